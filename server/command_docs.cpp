// One-line descriptions for COMMAND DOCS (redis-cli shows them as hints).
#include <string_view>
#include <unordered_map>

#include "server/command_table.h"

namespace replikv {

const char* CommandSummary(std::string_view name) {
  static const std::unordered_map<std::string_view, const char*> kDocs = {
      {"get", "Returns the string value of a key."},
      {"set", "Sets the string value of a key, with optional expiry and conditions."},
      {"setnx", "Sets a key only if it does not exist."},
      {"setex", "Sets a key and its expiry in seconds."},
      {"psetex", "Sets a key and its expiry in milliseconds."},
      {"getset", "Sets a key and returns its previous value."},
      {"getdel", "Returns a key's value and deletes the key."},
      {"getex", "Returns a key's value and changes its expiry."},
      {"mget", "Returns the values of several keys."},
      {"mset", "Sets several keys at once."},
      {"msetnx", "Sets several keys only if none of them exists."},
      {"incr", "Increments an integer value by one."},
      {"decr", "Decrements an integer value by one."},
      {"incrby", "Increments an integer value by a number."},
      {"decrby", "Decrements an integer value by a number."},
      {"incrbyfloat", "Increments a number value by a floating point number."},
      {"append", "Appends bytes to a string value."},
      {"strlen", "Returns the length of a string value."},
      {"getrange", "Returns a substring of a string value."},
      {"substr", "Returns a substring of a string value (old name of GETRANGE)."},
      {"setrange", "Overwrites part of a string value at an offset."},
      {"del", "Deletes keys."},
      {"unlink", "Deletes keys."},
      {"exists", "Counts how many of the given keys exist."},
      {"touch", "Updates the access time of keys; returns how many exist."},
      {"type", "Returns the type of a key's value."},
      {"keys", "Returns the keys matching a glob pattern."},
      {"scan", "Iterates over the keys of the database with a cursor."},
      {"randomkey", "Returns a random key."},
      {"dbsize", "Returns the number of keys in the database."},
      {"flushdb", "Deletes every key of the current database."},
      {"flushall", "Deletes every key of every database."},
      {"rename", "Renames a key, replacing the target."},
      {"renamenx", "Renames a key only if the target does not exist."},
      {"move", "Moves a key to another database."},
      {"copy", "Copies a key's value to another key."},
      {"swapdb", "Exchanges the contents of two databases."},
      {"object", "Inspects how a value is stored."},
      {"expire", "Sets a key's time to live in seconds."},
      {"pexpire", "Sets a key's time to live in milliseconds."},
      {"expireat", "Sets a key's expiry as a Unix time in seconds."},
      {"pexpireat", "Sets a key's expiry as a Unix time in milliseconds."},
      {"ttl", "Returns a key's time to live in seconds."},
      {"pttl", "Returns a key's time to live in milliseconds."},
      {"expiretime", "Returns a key's expiry as a Unix time in seconds."},
      {"pexpiretime", "Returns a key's expiry as a Unix time in milliseconds."},
      {"persist", "Removes a key's expiry."},
      {"ping", "Returns PONG, or the given message."},
      {"echo", "Returns the given message."},
      {"quit", "Closes the connection."},
      {"auth", "Authenticates the connection."},
      {"hello", "Handshakes: protocol version, authentication, client name."},
      {"select", "Changes the connection's database."},
      {"reset", "Resets the connection's state."},
      {"client", "Inspects and manages client connections."},
      {"info", "Returns information and statistics about the server."},
      {"time", "Returns the server's time."},
      {"shutdown", "Saves (if configured) and stops the server."},
      {"command", "Describes the server's commands."},
      {"config", "Reads and changes the configuration."},
      {"debug", "Debugging and testing helpers."},
  };
  auto it = kDocs.find(name);
  return it == kDocs.end() ? "(no summary)" : it->second;
}

}  // namespace replikv
