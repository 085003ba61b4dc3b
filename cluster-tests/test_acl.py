"""ACL: users, passwords, command/key/channel rules, selectors, the ACL
subcommands, AUTH/HELLO, -NOPERM in commands, MULTI/EXEC and scripts, the
ACL log, aclfile and `user` config lines, as redis-server 7.0.15 answers.

Tests on the shared server delete the users they made (the autouse fixture);
anything that changes the default user or the config uses server_factory.
"""

import os

import pytest

from harness import RespClient, RespError, SimpleString, ConnectionClosed, encode_command, wait_for

H_P1 = "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a"  # sha256("p1")


@pytest.fixture(autouse=True)
def drop_users(request):
    srv = request.getfixturevalue("server") if "server" in request.fixturenames else None
    yield
    if srv is None or not srv.alive():
        return
    c = srv.raw()
    try:
        users = [u.decode() for u in c.command("ACL", "USERS") if u != b"default"]
        if users:
            c.command("ACL", "DELUSER", *users)
        c.command("ACL", "LOG", "RESET")
    finally:
        c.close()


def connect_as(server, user, password):
    c = server.raw()
    assert c.command("AUTH", user, password) == SimpleString("OK")
    return c


def ok(reply):
    assert reply == SimpleString("OK"), reply


def err(reply):
    assert isinstance(reply, RespError), reply
    return reply.message


def norm_rules(text):
    """A rule description with single commands as a set: Redis emits them
    in its command dict's (seeded hash) order, which changes per run."""
    words = text.split()
    head = [w for w in words if w[1:2] == "@" or not w.startswith(("+", "-"))]
    cmds = sorted(w for w in words if w.startswith(("+", "-")) and w[1:2] != "@")
    return head, cmds


def getuser(raw, name):
    reply = raw.command("ACL", "GETUSER", name)
    if reply is None:
        return None
    d = dict(zip(reply[0::2], reply[1::2]))
    return d


def test_getuser_of_an_unknown_user_is_a_null_bulk(raw):
    raw.send(encode_command("ACL", "GETUSER", "no-such-user"))
    assert raw.peek(5) == b"$-1\r\n"  # a null bulk, not a null array
    assert raw.read_reply() is None


# ----------------------------------------------------------- SETUSER / LIST


def test_default_user_out_of_the_box(raw):
    assert raw.command("ACL", "LIST") == [b"user default on nopass ~* &* +@all"]
    assert raw.command("ACL", "USERS") == [b"default"]
    assert raw.command("ACL", "WHOAMI") == b"default"
    u = getuser(raw, "default")
    assert u[b"flags"] == [b"on", b"nopass"]
    assert u[b"passwords"] == []
    assert (u[b"commands"], u[b"keys"], u[b"channels"], u[b"selectors"]) == (b"+@all", b"~*", b"&*", [])


def test_setuser_describes_rules_as_acl_list(raw):
    ok(raw.command("ACL", "SETUSER", "u1", "on", ">p1", "~foo*", "%R~bar*", "&ch*", "+get", "-@all", "+@read",
                   "-config|set", "+config", "-config|get"))
    u = getuser(raw, "u1")
    assert u[b"flags"] == [b"on"]
    assert u[b"passwords"] == [H_P1.encode()]
    assert u[b"commands"] == b"-@all +@read +config -config|get"
    assert u[b"keys"] == b"~foo* %R~bar*"
    assert u[b"channels"] == b"&ch*"
    assert raw.command("ACL", "LIST")[1] == (
        b"user u1 on #" + H_P1.encode() + b" ~foo* %R~bar* resetchannels &ch* -@all +@read +config -config|get")
    assert raw.command("ACL", "USERS") == [b"default", b"u1"]


def test_new_user_is_off_with_nothing(raw):
    ok(raw.command("ACL", "SETUSER", "nobody"))
    assert raw.command("ACL", "LIST")[1] == b"user nobody off resetchannels -@all"
    u = getuser(raw, "nobody")
    assert (u[b"flags"], u[b"commands"], u[b"keys"], u[b"channels"]) == ([b"off"], b"-@all", b"", b"")


def test_command_rules_keep_their_meaning(raw):
    ok(raw.command("ACL", "SETUSER", "a", "+@all", "-get", "+get"))
    assert getuser(raw, "a")[b"commands"] == b"+@all"
    ok(raw.command("ACL", "SETUSER", "b", "-@all", "+get", "+@read", "-get"))
    head, cmds = norm_rules(getuser(raw, "b")[b"commands"].decode())
    assert head == ["-@all", "+@read"] and cmds == ["-get"]
    ok(raw.command("ACL", "SETUSER", "c", "+@all", "-@dangerous"))
    assert getuser(raw, "c")[b"commands"] == b"+@all -@dangerous"
    ok(raw.command("ACL", "SETUSER", "d", "nocommands", "allcommands"))
    assert getuser(raw, "d")[b"commands"] == b"+@all"
    ok(raw.command("ACL", "SETUSER", "e", "allcommands", "nocommands", "+set", "+get"))
    head, cmds = norm_rules(getuser(raw, "e")[b"commands"].decode())
    assert head == ["-@all"] and cmds == ["+get", "+set"]
    ok(raw.command("ACL", "SETUSER", "f", "+@all", "-config|set"))
    assert getuser(raw, "f")[b"commands"] == b"+@all -config|set"


def test_first_arg_rules(server, raw):
    ok(raw.command("ACL", "SETUSER", "s", "-@all", "+select|0"))
    assert getuser(raw, "s")[b"commands"] == b"-@all +select|0"
    ok(raw.command("ACL", "SETUSER", "s", "on", "nopass"))
    c = connect_as(server, "s", "x")
    try:
        assert c.command("SELECT", "0") == SimpleString("OK")
        assert err(c.command("SELECT", "1")) == "NOPERM this user has no permissions to run the 'select' command"
    finally:
        c.close()


def test_key_patterns_merge_and_display(raw):
    ok(raw.command("ACL", "SETUSER", "k", "%W~w*", "%R~r*", "%RW~a*", "~b*", "%R~a*"))
    assert getuser(raw, "k")[b"keys"] == b"%W~w* %R~r* ~a* ~b*"
    ok(raw.command("ACL", "SETUSER", "k", "%R~x", "%W~x"))
    assert getuser(raw, "k")[b"keys"] == b"%W~w* %R~r* ~a* ~b* ~x"
    ok(raw.command("ACL", "SETUSER", "k", "resetkeys", "allkeys"))
    assert getuser(raw, "k")[b"keys"] == b"~*"


def test_channel_patterns(raw):
    ok(raw.command("ACL", "SETUSER", "ch", "&a", "&b", "&a"))
    assert getuser(raw, "ch")[b"channels"] == b"&a &b"
    ok(raw.command("ACL", "SETUSER", "ch", "allchannels"))
    assert getuser(raw, "ch")[b"channels"] == b"&*"
    ok(raw.command("ACL", "SETUSER", "ch", "resetchannels", "&x*"))
    assert b"user ch off resetchannels &x* -@all" in raw.command("ACL", "LIST")


def test_passwords(raw):
    ok(raw.command("ACL", "SETUSER", "p", "nopass", "resetpass", ">a", ">b", "<a"))
    u = getuser(raw, "p")
    assert u[b"flags"] == [b"off"]
    assert len(u[b"passwords"]) == 1
    ok(raw.command("ACL", "SETUSER", "p", "#" + H_P1, "!" + u[b"passwords"][0].decode()))
    assert getuser(raw, "p")[b"passwords"] == [H_P1.encode()]
    ok(raw.command("ACL", "SETUSER", "p", "nopass"))
    u = getuser(raw, "p")
    assert u[b"flags"] == [b"off", b"nopass"] and u[b"passwords"] == []


def test_reset_and_sanitize_flags(raw):
    ok(raw.command("ACL", "SETUSER", "r", "on", ">x", "~*", "+@all", "skip-sanitize-payload"))
    assert getuser(raw, "r")[b"flags"] == [b"on", b"skip-sanitize-payload"]
    ok(raw.command("ACL", "SETUSER", "r", "reset"))
    assert raw.command("ACL", "LIST")[1] == b"user r off sanitize-payload resetchannels -@all"


def test_selectors(raw):
    ok(raw.command("ACL", "SETUSER", "u2", "(+get ~x*)", "(+set", "~y*)"))
    assert raw.command("ACL", "LIST")[1] == (
        b"user u2 off resetchannels -@all (~x* resetchannels -@all +get) (~y* resetchannels -@all +set)")
    u = getuser(raw, "u2")
    assert u[b"selectors"] == [[b"commands", b"-@all +get", b"keys", b"~x*", b"channels", b""],
                               [b"commands", b"-@all +set", b"keys", b"~y*", b"channels", b""]]
    ok(raw.command("ACL", "SETUSER", "u2", "clearselectors", "(~c)"))
    assert raw.command("ACL", "LIST")[1] == b"user u2 off resetchannels -@all (~c resetchannels -@all)"


def test_selectors_grant_per_key(server, raw):
    ok(raw.command("ACL", "SETUSER", "sel", "on", "nopass", "(+get ~x*)", "(+set ~y*)"))
    c = connect_as(server, "sel", "x")
    try:
        assert c.command("GET", "x1") is None
        ok(c.command("SET", "y1", "v"))
        assert err(c.command("GET", "y1")) == \
            "NOPERM this user has no permissions to access one of the keys used as arguments"
        assert err(c.command("SET", "x1", "v")) == \
            "NOPERM this user has no permissions to access one of the keys used as arguments"
        assert err(c.command("DEL", "x1")) == "NOPERM this user has no permissions to run the 'del' command"
    finally:
        c.close()


SETUSER_ERRORS = [
    (["bogus"], "ERR Error in ACL SETUSER modifier 'bogus': Syntax error"),
    (["+nocmd"], "ERR Error in ACL SETUSER modifier '+nocmd': Unknown command or category name in ACL"),
    (["+@nocat"], "ERR Error in ACL SETUSER modifier '+@nocat': Unknown command or category name in ACL"),
    (["#abc"], "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and "
               "contain only lowercase hexadecimal characters"),
    (["#" + "A" * 64], "ERR Error in ACL SETUSER modifier '#" + "A" * 64 + "': The password hash must be exactly "
                       "64 characters and contain only lowercase hexadecimal characters"),
    (["!" + "a" * 64], "ERR Error in ACL SETUSER modifier '!" + "a" * 64 + "': The password you are trying to "
                       "remove from the user does not exist"),
    (["<nopw"], "ERR Error in ACL SETUSER modifier '<nopw': The password you are trying to remove from the user "
                "does not exist"),
    (["(+get"], "ERR Unmatched parenthesis in acl selector starting at '(+get'."),
    (["(+get ~x) extra"], "ERR Unmatched parenthesis in acl selector starting at '(+get ~x) extra'."),
    (["+config|nosub"], "ERR Error in ACL SETUSER modifier '+config|nosub': Unknown command or category name in "
                        "ACL"),
    (["+config|get|x"], "ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand "
                        "is not supported"),
    (["-select|0"], "ERR Error in ACL SETUSER modifier '-select|0': Unknown command or category name in ACL"),
    (["%X~x"], "ERR Error in ACL SETUSER modifier '%X~x': Syntax error"),
    (["%~x"], "ERR Error in ACL SETUSER modifier '%~x': Syntax error"),
    (["%RWR~x"], "ERR Error in ACL SETUSER modifier '%RWR~x': Syntax error"),
    (["allkeys", "~x"], "ERR Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the "
                        "'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with "
                        "an empty list of patterns"),
    (["allchannels", "&x"], "ERR Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the "
                            "'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to "
                            "start with an empty list of channels"),
]


@pytest.mark.parametrize("ops,message", SETUSER_ERRORS)
def test_setuser_errors_change_nothing(raw, ops, message):
    ok(raw.command("ACL", "SETUSER", "e1", "+get"))
    before = raw.command("ACL", "LIST")
    assert err(raw.command("ACL", "SETUSER", "e1", "on", *ops)) == message
    assert raw.command("ACL", "LIST") == before


def test_setuser_name_and_arity(raw):
    assert err(raw.command("ACL", "SETUSER", "e 1")) == "ERR Usernames can't contain spaces or null characters"
    assert err(raw.command("ACL", "SETUSER")) == "ERR wrong number of arguments for 'acl|setuser' command"
    assert err(raw.command("ACL")) == "ERR wrong number of arguments for 'acl' command"
    assert err(raw.command("ACL", "NOSUB")) == "ERR unknown subcommand 'NOSUB'. Try ACL HELP."
    assert err(raw.command("ACL", "WHOAMI", "x")) == "ERR wrong number of arguments for 'acl|whoami' command"


# ------------------------------------------------ DELUSER GETUSER CAT GENPASS


def test_deluser(raw):
    ok(raw.command("ACL", "SETUSER", "d1"))
    assert err(raw.command("ACL", "DELUSER", "default")) == "ERR The 'default' user cannot be removed"
    assert err(raw.command("ACL", "DELUSER", "d1", "default")) == "ERR The 'default' user cannot be removed"
    assert raw.command("ACL", "USERS") == [b"d1", b"default"] or raw.command("ACL", "USERS") == [b"default", b"d1"]
    assert raw.command("ACL", "DELUSER", "nouser", "d1") == 1
    assert raw.command("ACL", "DELUSER", "nouser") == 0
    assert raw.command("ACL", "GETUSER", "nouser") is None


def test_deluser_closes_the_users_connections(server, raw):
    ok(raw.command("ACL", "SETUSER", "k1", "on", ">pw", "+@all", "~*"))
    b = connect_as(server, "k1", "pw")
    d = connect_as(server, "k1", "pw")
    try:
        assert b.command("ACL", "WHOAMI") == b"k1"
        assert b.command("ACL", "DELUSER", "k1") == 1
        for conn in (b, d):
            with pytest.raises(ConnectionClosed):
                conn.command("PING")
        assert raw.command("PING") == SimpleString("PONG")
    finally:
        b.close()
        d.close()


def test_setuser_does_not_close_connections(server, raw):
    ok(raw.command("ACL", "SETUSER", "k2", "on", ">pw", "+@all", "~*"))
    b = connect_as(server, "k2", "pw")
    try:
        ok(raw.command("ACL", "SETUSER", "k2", "off"))
        assert b.command("PING") == SimpleString("PONG")
        ok(raw.command("ACL", "SETUSER", "k2", "reset"))
        assert err(b.command("PING")) == "NOPERM this user has no permissions to run the 'ping' command"
        assert raw.command("CLIENT", "KILL", "USER", "k2") == 1
        assert err(raw.command("CLIENT", "KILL", "USER", "nouser")) == "ERR No such user 'nouser'"
    finally:
        b.close()


def test_cat(raw):
    cats = [c.decode() for c in raw.command("ACL", "CAT")]
    assert cats == ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
                    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
                    "connection", "transaction", "scripting"]
    hashes = set(raw.command("ACL", "CAT", "hash"))
    assert {b"hget", b"hset", b"hgetall", b"hrandfield"} <= hashes and b"get" not in hashes
    dangerous = set(raw.command("ACL", "CAT", "DANGEROUS"))
    assert {b"flushall", b"keys", b"config|set", b"acl|setuser", b"acl|deluser"} <= dangerous
    assert b"acl|whoami" not in dangerous and b"acl|genpass" not in dangerous
    assert err(raw.command("ACL", "CAT", "nocat")) == "ERR Unknown category 'nocat'"
    assert err(raw.command("ACL", "CAT", "a", "b")) == \
        "ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP."


def test_categories_per_command_match(raw):
    # A sample across families: each command's category set as Redis's.
    for cat, cmds in [("read", [b"get", b"hget", b"zrange", b"xrange", b"object|encoding"]),
                      ("write", [b"set", b"del", b"xadd", b"restore"]),
                      ("keyspace", [b"del", b"expire", b"scan", b"flushdb"]),
                      ("blocking", [b"blpop", b"xread", b"brpoplpush"]),
                      ("connection", [b"ping", b"auth", b"hello", b"client|list"]),
                      ("scripting", [b"eval", b"evalsha", b"script|load"]),
                      ("fast", [b"get", b"hset", b"multi"])]:
        members = set(raw.command("ACL", "CAT", cat))
        for c in cmds:
            assert c in members, (cat, c)


def test_genpass(raw):
    p = raw.command("ACL", "GENPASS")
    assert len(p) == 64 and all(ch in b"0123456789abcdef" for ch in p)
    assert raw.command("ACL", "GENPASS") != p
    assert len(raw.command("ACL", "GENPASS", "5")) == 2
    assert len(raw.command("ACL", "GENPASS", "4096")) == 1024
    msg = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
    assert err(raw.command("ACL", "GENPASS", "0")) == msg
    assert err(raw.command("ACL", "GENPASS", "4097")) == msg
    assert err(raw.command("ACL", "GENPASS", "x")) == "ERR value is not an integer or out of range"
    assert err(raw.command("ACL", "GENPASS", "4096", "x")) == \
        "ERR unknown subcommand or wrong number of arguments for 'GENPASS'. Try ACL HELP."


def test_help_and_file_errors(raw):
    lines = raw.command("ACL", "HELP")
    assert lines[0] == "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert len(lines) == 29 and lines[-2] == "HELP"
    msg = ("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
           "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in "
           "order to store users in the Redis configuration.")
    assert err(raw.command("ACL", "SAVE")) == msg
    assert err(raw.command("ACL", "LOAD")) == msg


# -------------------------------------------------------------- DRYRUN


def test_dryrun(raw):
    ok(raw.command("ACL", "SETUSER", "u3", "on", "nopass", "~k*", "&c*", "+set", "+publish", "+config"))
    assert raw.command("ACL", "DRYRUN", "u3", "get", "zz") == b"This user has no permissions to run the 'get' command"
    assert raw.command("ACL", "DRYRUN", "u3", "set", "zz", "1") == b"This user has no permissions to access the 'zz' key"
    assert raw.command("ACL", "DRYRUN", "u3", "set", "kk", "1") == SimpleString("OK")
    assert raw.command("ACL", "DRYRUN", "u3", "publish", "dh", "1") == \
        b"This user has no permissions to access the 'dh' channel"
    assert raw.command("ACL", "DRYRUN", "u3", "publish", "c1", "1") == SimpleString("OK")
    assert raw.command("ACL", "DRYRUN", "u3", "config", "get", "x") == SimpleString("OK")
    assert err(raw.command("ACL", "DRYRUN", "nouser", "get", "x")) == "ERR User 'nouser' not found"
    assert err(raw.command("ACL", "DRYRUN", "u3", "nocmd", "x")) == "ERR Command 'nocmd' not found"
    assert err(raw.command("ACL", "DRYRUN", "u3", "get")) == "ERR wrong number of arguments for 'get' command"
    assert err(raw.command("ACL", "DRYRUN", "u3", "config", "get")) == \
        "ERR wrong number of arguments for 'config|get' command"
    assert err(raw.command("ACL", "DRYRUN", "u3", "config", "nosub")) == "ERR Command 'config' not found"
    assert err(raw.command("ACL", "DRYRUN", "u3")) == "ERR wrong number of arguments for 'acl|dryrun' command"


# ------------------------------------------------------- checks on commands


def test_noperm_texts(server, raw):
    ok(raw.command("ACL", "SETUSER", "u3", "on", "nopass", "~k*", "%R~ro*", "%W~wo*", "&c*", "+get", "+set",
                   "+publish", "+subscribe", "+psubscribe", "+client|list", "+eval", "+multi", "+exec"))
    c = connect_as(server, "u3", "anything")
    try:
        key_msg = "NOPERM this user has no permissions to access one of the keys used as arguments"
        assert c.command("GET", "k1") is None
        assert err(c.command("GET", "z1")) == key_msg
        assert err(c.command("SET", "z1", "v")) == key_msg
        assert err(c.command("HGET", "k1", "f")) == "NOPERM this user has no permissions to run the 'hget' command"
        assert err(c.command("CLIENT", "INFO")) == \
            "NOPERM this user has no permissions to run the 'client|info' command"
        assert b"user=u3" in c.command("CLIENT", "LIST")
        # %R~ reads only, %W~ writes only.
        assert c.command("GET", "ro1") is None
        assert err(c.command("SET", "ro1", "v")) == key_msg
        ok(c.command("SET", "wo1", "v"))
        assert err(c.command("GET", "wo1")) == key_msg
        assert c.command("PUBLISH", "c1", "m") == 0
        assert err(c.command("PUBLISH", "d1", "m")) == \
            "NOPERM this user has no permissions to access one of the channels used as arguments"
    finally:
        c.close()
    for args in (["SUBSCRIBE", "c1", "d1"], ["PSUBSCRIBE", "d*"], ["PSUBSCRIBE", "c1*"]):
        c = connect_as(server, "u3", "x")
        try:
            assert err(c.command(*args)) == \
                "NOPERM this user has no permissions to access one of the channels used as arguments"
        finally:
            c.close()
    c = connect_as(server, "u3", "x")
    try:
        # A pattern subscription must be one of the user's patterns literally.
        assert c.command("PSUBSCRIBE", "c*") == [b"psubscribe", b"c*", 1]
    finally:
        c.close()


def test_scripts_run_as_the_caller(server, raw):
    ok(raw.command("ACL", "SETUSER", "u3", "on", "nopass", "~k*", "+get", "+eval"))
    c = connect_as(server, "u3", "x")
    try:
        m = err(c.command("EVAL", "return redis.call('get','z')", "0"))
        assert m.startswith("ERR The user executing the script can't access at least one of the keys mentioned in "
                            "the command arguments script: ")
        m = err(c.command("EVAL", "return redis.call('hget','k','f')", "0"))
        assert m.startswith("ERR The user executing the script can't run this command or subcommand script: ")
        assert err(c.command("EVAL", "return redis.pcall('get','z')", "0")) == \
            "ERR The user executing the script can't access at least one of the keys mentioned in the command " \
            "arguments"
        assert c.command("EVAL", "return redis.call('get','k')", "0") is None
    finally:
        c.close()


def test_multi_checks_at_queue_and_at_exec(server, raw):
    ok(raw.command("ACL", "SETUSER", "u3", "on", "nopass", "~k*", "&c*", "+get", "+set", "+publish", "+multi",
                   "+exec"))
    c = connect_as(server, "u3", "x")
    try:
        ok(c.command("MULTI"))
        assert err(c.command("GET", "z")) == \
            "NOPERM this user has no permissions to access one of the keys used as arguments"
        assert c.command("GET", "k") == SimpleString("QUEUED")
        assert err(c.command("EXEC")) == "EXECABORT Transaction discarded because of previous errors."
        prefix = ("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
                  "This command is no longer allowed for the following reason: ")
        for queued, change, reason in [
                (["GET", "k"], ["-get"], "no permission to execute the command or subcommand"),
                (["SET", "k", "1"], ["resetkeys", "~j*"], "no permission to touch the specified keys"),
                (["PUBLISH", "c1", "x"], ["resetchannels"],
                 "no permission to access one of the channels used as arguments")]:
            ok(raw.command("ACL", "SETUSER", "u3", "+get", "~k*", "&c*"))
            ok(c.command("MULTI"))
            assert c.command(*queued) == SimpleString("QUEUED")
            ok(raw.command("ACL", "SETUSER", "u3", *change))
            assert [err(x) for x in c.command("EXEC")] == [prefix + reason]
    finally:
        c.close()


def test_acl_log(server, raw):
    ok(raw.command("ACL", "LOG", "RESET"))
    ok(raw.command("ACL", "SETUSER", "u3", "on", "nopass", "~k*", "&c*", "+get", "+eval", "+publish"))
    c = connect_as(server, "u3", "x")
    try:
        err(c.command("GET", "z"))
        err(c.command("GET", "z"))
        err(c.command("HGET", "k", "f"))
        err(c.command("PUBLISH", "d1", "m"))
        err(c.command("EVAL", "return redis.call('get','q')", "0"))
    finally:
        c.close()
    assert err(raw.command("AUTH", "nouser", "p")) == "WRONGPASS invalid username-password pair or user is disabled."
    assert err(raw.command("HELLO", "2", "AUTH", "u4", "bad")) == \
        "WRONGPASS invalid username-password pair or user is disabled."
    entries = raw.command("ACL", "LOG")
    fields = [dict(zip(e[0::2], e[1::2])) for e in entries]
    got = [(f[b"count"], f[b"reason"], f[b"context"], f[b"object"], f[b"username"]) for f in fields]
    assert got == [
        (1, b"auth", b"toplevel", b"HELLO", b"u4"),
        (1, b"auth", b"toplevel", b"AUTH", b"nouser"),
        (1, b"key", b"lua", b"q", b"u3"),
        (1, b"channel", b"toplevel", b"d1", b"u3"),
        (1, b"command", b"toplevel", b"hget", b"u3"),
        (2, b"key", b"toplevel", b"z", b"u3"),
    ]
    for f in fields:
        assert list(dict(zip(entries[0][0::2], entries[0][1::2])).keys()) == [
            b"count", b"reason", b"context", b"object", b"username", b"age-seconds", b"client-info"]
        assert float(f[b"age-seconds"]) < 60
        assert b" user=" in f[b"client-info"] and f[b"client-info"].startswith(b"id=")
    assert len(raw.command("ACL", "LOG", "2")) == 2
    assert raw.command("ACL", "LOG", "-1") == []
    assert err(raw.command("ACL", "LOG", "x")) == "ERR value is not an integer or out of range"
    assert err(raw.command("ACL", "LOG", "1", "x")) == \
        "ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP."
    ok(raw.command("ACL", "LOG", "RESET"))
    assert raw.command("ACL", "LOG") == []


# ------------------------------------------------------------ AUTH / HELLO


def test_auth_forms(server, raw):
    ok(raw.command("ACL", "SETUSER", "a1", "on", ">pw", "+@all", "~*"))
    assert err(raw.command("AUTH", "a1", "bad")) == "WRONGPASS invalid username-password pair or user is disabled."
    assert err(raw.command("AUTH", "p")) == ("ERR AUTH <password> called without any password configured for the "
                                             "default user. Are you sure your configuration is correct?")
    assert err(raw.command("AUTH", "a", "b", "c")) == "ERR syntax error"
    ok(raw.command("AUTH", "a1", "pw"))
    assert raw.command("ACL", "WHOAMI") == b"a1"
    ok(raw.command("ACL", "SETUSER", "a1", "off"))
    assert err(raw.command("AUTH", "a1", "pw")) == "WRONGPASS invalid username-password pair or user is disabled."
    assert raw.command("ACL", "WHOAMI") == b"a1"  # a failed AUTH keeps the current user
    hello = raw.command("HELLO", "2", "AUTH", "default", "whatever")
    assert hello[0:2] == [b"server", b"redis"]
    assert raw.command("ACL", "WHOAMI") == b"default"
    ok(raw.command("ACL", "SETUSER", "a1", "on"))
    ok(raw.command("AUTH", "a1", "pw"))
    assert raw.command("RESET") == SimpleString("RESET")
    assert raw.command("ACL", "WHOAMI") == b"default"


def test_requirepass_is_the_default_users_password(server_factory):
    srv = server_factory(extra_args=["--requirepass", "sec"])
    c = srv.raw()
    try:
        assert err(c.command("PING")) == "NOAUTH Authentication required."
        assert err(c.command("AUTH", "wrong")) == "WRONGPASS invalid username-password pair or user is disabled."
        ok(c.command("AUTH", "sec"))
        h = "add93534eeb463800fe0ed0946048d33636dd2a014fab92e8a37f77ce98c740b"  # sha256("sec")
        assert c.command("ACL", "LIST") == [("user default on #%s ~* &* +@all" % h).encode()]
        ok(c.command("ACL", "SETUSER", "default", "resetpass", "nopass"))
        assert c.command("CONFIG", "GET", "requirepass") == [b"requirepass", b"sec"]
        d = srv.raw()
        assert d.command("PING") == SimpleString("PONG")
        d.close()
        ok(c.command("CONFIG", "SET", "requirepass", "other"))
        d = srv.raw()
        assert err(d.command("PING")) == "NOAUTH Authentication required."
        ok(d.command("AUTH", "default", "other"))
        d.close()
        ok(c.command("CONFIG", "SET", "requirepass", ""))
        assert c.command("ACL", "LIST") == [b"user default on nopass ~* &* +@all"]
        ok(c.command("ACL", "SETUSER", "default", "off"))
        d = srv.raw()
        assert err(d.command("PING")) == "NOAUTH Authentication required."
        assert err(d.command("AUTH", "default", "x")) == \
            "WRONGPASS invalid username-password pair or user is disabled."
        d.close()
    finally:
        c.close()


def test_restricted_default_user(server_factory):
    srv = server_factory(extra_args=["--user", "default", "on", "nopass", "~a*", "+get", "+ping"])
    c = srv.raw()
    try:
        assert c.command("GET", "a1") is None
        assert err(c.command("SET", "a1", "v")) == "NOPERM this user has no permissions to run the 'set' command"
        assert err(c.command("GET", "b1")) == \
            "NOPERM this user has no permissions to access one of the keys used as arguments"
    finally:
        c.close()


# ----------------------------------------------------- config and aclfile


def test_user_lines_in_the_config_file(server_factory, tmp_path):
    conf = tmp_path / "users.conf"
    conf.write_text("user alice on >pa ~a* +@read\n"
                    "user bob off #%s (+set ~b*)\n"
                    "user default on nopass ~* &* +@all\n" % H_P1)
    srv = server_factory(config_file=str(conf))
    c = srv.raw()
    try:
        assert c.command("ACL", "USERS") == [b"alice", b"bob", b"default"]
        alice = getuser(c, "alice")
        assert alice[b"flags"] == [b"on"] and alice[b"keys"] == b"~a*" and alice[b"commands"] == b"-@all +@read"
        assert c.command("ACL", "LIST")[1] == \
            b"user bob off #" + H_P1.encode() + b" resetchannels -@all (~b* resetchannels -@all +set)"
        ok(c.command("AUTH", "alice", "pa"))
        assert c.command("GET", "a1") is None
    finally:
        c.close()


def test_config_rewrite_writes_the_users(server_factory, tmp_path):
    conf = tmp_path / "users.conf"
    conf.write_text("# users\nuser alice on >pa ~a* +@read\n")
    srv = server_factory(config_file=str(conf))
    c = srv.raw()
    try:
        ok(c.command("ACL", "SETUSER", "bob", "on", ">pb", "~b*", "+set", "(+get ~c*)"))
        ok(c.command("ACL", "SETUSER", "alice", "-@read", "+get"))
        listed = c.command("ACL", "LIST")
        ok(c.command("CONFIG", "REWRITE"))
    finally:
        c.close()
    lines = conf.read_text().splitlines()
    # alice's line is rewritten where it was, bob and default follow the
    # other directives, each as ACL LIST shows it.
    assert lines[:2] == ["# users", listed[0].decode()]
    assert [ln for ln in lines if ln.startswith("user ")] == [u.decode() for u in listed]
    assert lines[-2:] == [u.decode() for u in listed[1:]]
    srv.stop()
    srv.start()
    c = srv.raw()
    try:
        after = c.command("ACL", "LIST")
        assert after[:2] == listed[:2]
        # A `user` line starts from "reset", which sets sanitize-payload:
        # Redis 7.0 shows the default user so after the restart too.
        assert after[2] == b"user default on nopass sanitize-payload ~* &* +@all"
    finally:
        c.close()


def test_config_rewrite_leaves_users_to_the_aclfile(server_factory, tmp_path):
    acl = tmp_path / "users.acl"
    acl.write_text("user default on nopass ~* &* +@all\n")
    conf = tmp_path / "with_aclfile.conf"
    conf.write_text("aclfile %s\n" % acl)
    srv = server_factory(config_file=str(conf))
    c = srv.raw()
    try:
        ok(c.command("ACL", "SETUSER", "bob", "on"))
        ok(c.command("CONFIG", "REWRITE"))
    finally:
        c.close()
    assert not [ln for ln in conf.read_text().splitlines() if ln.startswith("user ")]


def test_bad_user_line_stops_startup(server_factory, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("user alice on +nocmd\n")
    srv = server_factory(config_file=str(conf), start=False)
    srv.spawn()
    assert srv.wait_exit(15) != 0


def test_aclfile_and_user_lines_conflict(server_factory, tmp_path):
    (tmp_path / "users.acl").write_text("user default on nopass ~* &* +@all\n")
    conf = tmp_path / "both.conf"
    conf.write_text("aclfile %s\nuser alice on\n" % (tmp_path / "users.acl"))
    srv = server_factory(config_file=str(conf), start=False)
    srv.spawn()
    assert srv.wait_exit(15) != 0


def test_aclfile_load_save_round_trip(server_factory, tmp_path):
    acl = tmp_path / "users.acl"
    acl.write_text("user default on nopass ~* &* +@all\n"
                   "user u1 on #%s ~foo* %%R~bar* &ch* -@all +@read +config -config|get\n" % H_P1)
    srv = server_factory(extra_args=["--aclfile", str(acl)])
    c = srv.raw()
    try:
        assert c.command("ACL", "LIST") == [
            b"user default on nopass ~* &* +@all",
            b"user u1 on #" + H_P1.encode() + b" ~foo* %R~bar* resetchannels &ch* -@all +@read +config -config|get"]
        ok(c.command("ACL", "SETUSER", "u2", "on", ">p2", "~x", "+get", "(+set ~y)"))
        listed = c.command("ACL", "LIST")
        ok(c.command("ACL", "SAVE"))
        assert acl.read_bytes() == b"".join(line + b"\n" for line in listed)
        # A connection of a user that ACL LOAD replaces is closed; the
        # default user's stay.
        u1 = connect_as(srv, "u1", "p1")
        ok(c.command("ACL", "SETUSER", "u3"))
        ok(c.command("ACL", "LOAD"))
        assert c.command("ACL", "LIST") == listed
        with pytest.raises(ConnectionClosed):
            u1.command("PING")
        u1.close()
        assert c.command("PING") == SimpleString("PONG")
        acl.write_text("user default on nopass ~* &* +@all\nuser bad on +nocmd\n")
        assert err(c.command("ACL", "LOAD")) == (
            "ERR %s:2: Error in applying operation '+nocmd': Unknown command or category name in ACL. WARNING: ACL "
            "errors detected, no change to the previously active ACL rules was performed" % acl)
        assert c.command("ACL", "LIST") == listed
    finally:
        c.close()


def test_replica_authenticates_with_masteruser(server_factory):
    admin_conf = ["--user", "admin", "on", ">ap", "~*", "&*", "+@all"]
    primary = server_factory(extra_args=[
        "--user", "default", "off",
        "--user", "repl", "on", ">rp", "+psync", "+replconf", "+ping", "+sync",
        *admin_conf])
    replica = server_factory(extra_args=["--masteruser", "repl", "--masterauth", "rp",
                                         "--replicaof", "127.0.0.1", str(primary.port)])
    a = primary.raw()
    r = replica.raw()
    try:
        ok(a.command("AUTH", "admin", "ap"))
        ok(a.command("SET", "k", "v"))

        def synced():
            return r.command("GET", "k") == b"v"
        wait_for(synced, 15, "the replica got the write through the masteruser link")
    finally:
        a.close()
        r.close()
