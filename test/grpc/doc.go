// Package grpc tests Parley's gRPC service against a real `parley serve`
// process with a client that shares no code with the server: Python stubs
// generated from proto/parley.proto by Debian's python3-grpc-tools and run by
// python3-grpcio, chatting with a JSON WebSocket client in one conversation.
// The Python client (chat_client.py) sends what Tinode's tn-cli sends, in
// the order and shape tn-cli sends it: hi with a PEP 440 library version and
// the next request pipelined behind it, ClientExtra on every request, the
// empty SetDesc/SetSub tn-cli always puts in acc and sub, no_echo pubs
// without a msgid, get data with no options, and never an acknowledgement;
// it names every presence and info kind through the generated enums, and
// checks that nothing it was given is sent to it again.
package grpc
