// CLIENT TRACKING|CACHING|GETREDIR|TRACKINGINFO: the settings of
// client-side caching (server/tracking.h), with Redis 7.0's checks in its
// order and its error texts.
#include <string>
#include <vector>

#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/server.h"
#include "server/tracking.h"

namespace replikv {
namespace {

// Two prefixes of one client must not overlap (one a prefix of the other),
// neither with those it has nor among the new ones. Redis 7.0 replies the
// error but, when the overlap is not with the first new prefix, enables
// tracking anyway and sends +OK too (two replies to one command); replikv
// stops at the error (README: "Differences from Redis 7.0").
bool PrefixesAcceptable(ReplyBuffer& reply, const TrackingState* t, const std::vector<std::string_view>& prefixes) {
  const std::string tail = "'. Prefixes for a single client must not overlap.";
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (t != nullptr) {
      for (const std::string& have : t->prefixes) {
        if (PrefixesOverlap(have, prefixes[i])) {
          reply.AddError("Prefix '" + std::string(prefixes[i]) + "' overlaps with an existing prefix '" + have + tail);
          return false;
        }
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (PrefixesOverlap(prefixes[i], prefixes[j])) {
        reply.AddError("Prefix '" + std::string(prefixes[i]) + "' overlaps with another provided prefix '" +
                       std::string(prefixes[j]) + tail);
        return false;
      }
    }
  }
  return true;
}

}  // namespace

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN]
// [OPTOUT] [NOLOOP]. The options are read first (a syntax error or a bad
// REDIRECT wins over everything), then ON checks them against each other
// and against the mode the client is in.
void ClientTrackingCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  ClientTracking::Options o;
  for (size_t j = 3; j < a.size(); ++j) {
    const bool more = j + 1 < a.size();
    if (EqualsIgnoreCase(a[j], "redirect") && more) {
      ++j;
      if (o.redirect != 0) return ctx.reply.AddError("A client can only redirect to a single other client");
      int64_t id;
      if (!ParseInt64(a[j], &id)) return ReplyNotInteger(ctx.reply);
      // The target must exist now; it may go away later (broken redirect).
      if (id <= 0 || ctx.server.FindClient(static_cast<uint64_t>(id)) == nullptr) {
        return ctx.reply.AddError("The client ID you want redirect to does not exist");
      }
      o.redirect = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(a[j], "bcast")) {
      o.bcast = true;
    } else if (EqualsIgnoreCase(a[j], "optin")) {
      o.optin = true;
    } else if (EqualsIgnoreCase(a[j], "optout")) {
      o.optout = true;
    } else if (EqualsIgnoreCase(a[j], "noloop")) {
      o.noloop = true;
    } else if (EqualsIgnoreCase(a[j], "prefix") && more) {
      o.prefixes.push_back(a[++j]);
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }
  ClientTracking& tracking = ctx.server.tracking();
  if (EqualsIgnoreCase(a[2], "off")) {
    tracking.Disable(ctx.client);
    return ctx.reply.AddOk();
  }
  if (!EqualsIgnoreCase(a[2], "on")) return ReplySyntaxError(ctx.reply);
  const TrackingState* t = ctx.client.tracking.get();
  const bool on = t != nullptr && t->on;
  if (!o.bcast && !o.prefixes.empty()) return ctx.reply.AddError("PREFIX option requires BCAST mode to be enabled");
  if (on && t->bcast != o.bcast) {
    return ctx.reply.AddError(
        "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it "
        "with a different mode.");
  }
  if (o.bcast && (o.optin || o.optout)) return ctx.reply.AddError("OPTIN and OPTOUT are not compatible with BCAST");
  if (o.optin && o.optout) return ctx.reply.AddError("You can't specify both OPTIN mode and OPTOUT mode");
  if (on && ((o.optin && t->optout) || (o.optout && t->optin))) {
    return ctx.reply.AddError(
        "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it "
        "with a different mode.");
  }
  if (o.bcast && !PrefixesAcceptable(ctx.reply, on ? t : nullptr, o.prefixes)) return;
  tracking.Enable(ctx.client, o);
  ctx.reply.AddOk();
}

// CLIENT CACHING YES|NO: applies to the next command (or transaction).
void ClientCachingCommand(CommandContext& ctx) {
  TrackingState* t = ctx.client.tracking.get();
  if (t == nullptr || !t->on) {
    return ctx.reply.AddError(
        "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
  }
  std::string_view opt = ctx.argv[2];
  if (EqualsIgnoreCase(opt, "yes")) {
    if (!t->optin) return ctx.reply.AddError("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (EqualsIgnoreCase(opt, "no")) {
    if (!t->optout) {
      return ctx.reply.AddError("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return ReplySyntaxError(ctx.reply);
  }
  t->caching = true;
  ctx.reply.AddOk();
}

// CLIENT GETREDIR: the redirect id, 0 without one, -1 when not tracking.
void ClientGetRedirCommand(CommandContext& ctx) {
  const TrackingState* t = ctx.client.tracking.get();
  ctx.reply.AddInt(t != nullptr && t->on ? static_cast<int64_t>(t->redirect) : -1);
}

// CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes.
void ClientTrackingInfoCommand(CommandContext& ctx) {
  const TrackingState* t = ctx.client.tracking.get();
  const bool on = t != nullptr && t->on;
  std::vector<std::string_view> flags{on ? "on" : "off"};
  if (on) {
    if (t->bcast) flags.push_back("bcast");
    if (t->optin) flags.push_back("optin");
    if (t->optin && t->caching) flags.push_back("caching-yes");
    if (t->optout) flags.push_back("optout");
    if (t->optout && t->caching) flags.push_back("caching-no");
    if (t->noloop) flags.push_back("noloop");
    if (t->broken_redirect) flags.push_back("broken_redirect");
  }
  ReplyBuffer& r = ctx.reply;
  r.AddMapLen(3);
  r.AddBulk("flags");
  r.AddSetLen(flags.size());
  for (std::string_view f : flags) r.AddBulk(f);
  r.AddBulk("redirect");
  r.AddInt(on ? static_cast<int64_t>(t->redirect) : -1);
  r.AddBulk("prefixes");
  r.AddArrayLen(on ? t->prefixes.size() : 0);
  if (on) {
    for (const std::string& p : t->prefixes) r.AddBulk(p);
  }
}

}  // namespace replikv
