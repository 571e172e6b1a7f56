"""A gRPC client of Parley's pbx.Node service, generated from proto/parley.proto
by grpc_tools.protoc and run by Debian's python3-grpcio. It shares no code with
the server, and it talks the way Tinode's tn-cli does, message for message:

- hi carries the tinode_grpc library's PEP 440 version as ver, a tn-cli user
  agent, lang "EN" and background false; the next request (here the signup,
  in tn-cli the login) is sent at once, without waiting for hi's answer;
- every request but hi carries ClientExtra with auth_level NONE;
- acc and sub always carry a SetDesc with an empty DefaultAcsMode, and sub a
  SetQuery with an empty SetSub too, whatever the command line left out;
- pub is no_echo, with no msgid in its head, and requests are not awaited
  one by one;
- get asks for "data" with no options;
- nothing is ever acknowledged (no note recv, no datares), and every pres and
  info kind is named through the generated enums, which raise ValueError on
  a number they do not know.

Usage: chat_client.py ADDR PEER_TOPIC N QUIET_SECONDS

It prints "READY <own user id>" once attached to PEER_TOPIC, publishes N
messages, reads the peer's N, listens QUIET_SECONDS more for copies (the
server must not retransmit to a client that never acknowledges), reads the
history with get data, leaves, and prints one JSON line:
{"live": [[seq, content], ...], "history": [...], "extra": copies}.
"""

import json
import queue
import sys
import time

import grpc

import parley_pb2 as pb
import parley_pb2_grpc as pbgrpc

TIMEOUT = 30  # seconds for the whole conversation
DEBUG = False  # True prints every reply on stderr
LIB_VERSION = "0.25.1.post3"
USER_AGENT = "tn-cli/3.0.1 (Linux/6.1.0); gRPC-python/%s+1.51.1" % LIB_VERSION


def extra():
    return pb.ClientExtra(auth_level=pb.NONE)


def main():
    addr, peer, n, quiet = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    outbox = queue.Queue()

    def requests():
        while True:
            m = outbox.get()
            if m is None:
                return
            yield m

    channel = grpc.insecure_channel(addr)
    replies = pbgrpc.NodeStub(channel).MessageLoop(requests(), timeout=TIMEOUT)
    backlog = []

    def next_reply():
        m = next(replies)
        if DEBUG:
            sys.stderr.write("<= %s\n" % str(m).replace("\n", " "))
        # tn-cli names every presence kind it is sent; an unknown number raises.
        if m.HasField("pres"):
            pb.ServerPres.What.Name(m.pres.what)
        if m.HasField("info"):
            pb.InfoNote.Name(m.info.what)
        return m

    def until(match):
        for i, m in enumerate(backlog):
            if match(m):
                return backlog.pop(i)
        while True:
            m = next_reply()
            if match(m):
                return m
            backlog.append(m)

    def ctrl(ident):
        return until(lambda m: m.HasField("ctrl") and m.ctrl.id == ident).ctrl

    # hi, and the signup right behind it, as tn-cli sends hi and login.
    outbox.put(pb.ClientMsg(hi=pb.ClientHi(id="10001", user_agent=USER_AGENT, ver=LIB_VERSION, lang="EN",
                                           background=False)))
    outbox.put(pb.ClientMsg(acc=pb.ClientAcc(
        id="10002", user_id="new", scheme="basic", secret=b"pybob:pass123", login=True,
        desc=pb.SetDesc(default_acs=pb.DefaultAcsMode(), public=json.dumps({"fn": "Py Bob"}).encode())),
        extra=extra()))
    c = ctrl("10001")
    assert c.code == 201, c
    c = ctrl("10002")
    assert c.code == 200, c
    me = json.loads(c.params["user"])

    # tn-cli's sub: an empty SetDesc and SetSub in set_query, and --get-query desc,sub,data.
    outbox.put(pb.ClientMsg(sub=pb.ClientSub(
        id="10003", topic=peer,
        set_query=pb.SetQuery(desc=pb.SetDesc(default_acs=pb.DefaultAcsMode()), sub=pb.SetSub()),
        get_query=pb.GetQuery(what="desc sub data")), extra=extra()))
    c = ctrl("10003")
    assert c.code == 200, c
    # The get part ends with a second ctrl of the same id: 204 for an empty
    # history. Waiting for it keeps the page out of the live messages below.
    c = ctrl("10003")
    assert c.code in (204, 208), c
    print("READY", me, flush=True)

    ids = ["%d" % (10100 + i) for i in range(1, n + 1)]
    for i, ident in enumerate(ids, 1):
        outbox.put(pb.ClientMsg(pub=pb.ClientPub(id=ident, topic=peer, no_echo=True, head={},
                                                 content=json.dumps("py %d" % i).encode()), extra=extra()))
    for ident in ids:
        c = ctrl(ident)
        assert c.code == 202, c

    live = []
    while len(live) < n:
        d = until(lambda m: m.HasField("data")).data
        live.append([d.seq_id, json.loads(d.content)])

    # Nothing more may come: no copy of what was delivered. Listening for a
    # while is the only way to see that nothing is sent; the stream's own
    # reads are the clock, so a late copy is counted, not missed.
    copies = 0
    deadline = time.monotonic() + quiet
    outbox.put(pb.ClientMsg(note=pb.ClientNote(topic=peer, what=pb.KP), extra=extra()))
    polls = 0
    while time.monotonic() < deadline:
        polls += 1
        ident = "q%d" % polls
        outbox.put(pb.ClientMsg(get=pb.ClientGet(id=ident, topic=peer, query=pb.GetQuery(what="desc")),
                                extra=extra()))
        while True:  # the answer is a meta (or a ctrl, were it refused)
            m = next_reply()
            if m.HasField("data"):
                copies += 1
            if (m.HasField("meta") and m.meta.id == ident) or (m.HasField("ctrl") and m.ctrl.id == ident):
                break
        time.sleep(0.05)  # pace the polling; the deadline above is what bounds it
    backlog[:] = [m for m in backlog if not m.HasField("data")]

    # tn-cli's get --data: what "data", no options.
    outbox.put(pb.ClientMsg(get=pb.ClientGet(id="10200", topic=peer, query=pb.GetQuery(what="data")),
                            extra=extra()))
    history = []
    while True:
        m = until(lambda m: m.HasField("data") or (m.HasField("ctrl") and m.ctrl.id == "10200"))
        if m.HasField("ctrl"):
            assert m.ctrl.code in (204, 208), m.ctrl  # 208: the data part delivered
            break
        history.append([m.data.seq_id, json.loads(m.data.content)])

    outbox.put(pb.ClientMsg(leave=pb.ClientLeave(id="10201", topic=peer), extra=extra()))
    c = ctrl("10201")
    assert c.code == 200, c
    outbox.put(None)
    channel.close()
    print(json.dumps({"live": live, "history": history, "extra": copies}), flush=True)


if __name__ == "__main__":
    main()
