"""A gRPC client of Parley's pbx.Node service, generated from proto/parley.proto
by grpc_tools.protoc and run by Debian's python3-grpcio. It shares no code with
the server: it is how a Tinode gRPC client (tn-cli) talks to Parley.

Usage: chat_client.py ADDR PEER_TOPIC N

It says hi with a PEP 440 version as tn-cli does, signs up, attaches to
PEER_TOPIC (the JSON client's user id), prints "READY <own user id>", publishes
N messages, and reads until it has 2N {data} messages (its own and the peer's).
It never acknowledges anything, as tn-cli does not. Last it prints one JSON
line: the data messages it got, in order, as [seq, content] pairs.
"""

import json
import queue
import sys

import grpc

import parley_pb2 as pb
import parley_pb2_grpc as pbgrpc

TIMEOUT = 20  # seconds for the whole conversation


def main():
    addr, peer, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
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

    def until(match):
        for i, m in enumerate(backlog):
            if match(m):
                return backlog.pop(i)
        for m in replies:
            # tn-cli names every enum value it is sent; an unknown one fails.
            if m.HasField("pres"):
                pb.ServerPres.What.Name(m.pres.what)
            if m.HasField("info"):
                pb.InfoNote.Name(m.info.what)
            if match(m):
                return m
            backlog.append(m)
        raise SystemExit("stream ended")

    def request(msg, ident):
        outbox.put(msg)
        return until(lambda m: m.HasField("ctrl") and m.ctrl.id == ident).ctrl

    ctrl = request(pb.ClientMsg(hi=pb.ClientHi(id="1", ver="0.25.1.post3", user_agent="tn-cli/0.25.1")), "1")
    assert ctrl.code == 201, ctrl
    ctrl = request(pb.ClientMsg(acc=pb.ClientAcc(
        id="2", user_id="new", scheme="basic", secret=b"pybob:pass123", login=True,
        desc=pb.SetDesc(public=json.dumps({"fn": "Py Bob"}).encode()))), "2")
    assert ctrl.code == 200, ctrl
    me = json.loads(ctrl.params["user"])
    ctrl = request(pb.ClientMsg(sub=pb.ClientSub(id="3", topic=peer)), "3")
    assert ctrl.code == 200, ctrl
    print("READY", me, flush=True)

    for i in range(1, n + 1):
        ident = "p%d" % i
        ctrl = request(pb.ClientMsg(pub=pb.ClientPub(
            id=ident, topic=peer, head={"msgid": json.dumps("py-%d" % i).encode()},
            content=json.dumps("py %d" % i).encode())), ident)
        assert ctrl.code == 202, ctrl

    got = []
    while len(got) < 2 * n:
        d = until(lambda m: m.HasField("data")).data
        got.append([d.seq_id, json.loads(d.content)])
    outbox.put(None)
    channel.close()
    print(json.dumps(got), flush=True)


if __name__ == "__main__":
    main()
