// Package grpc tests Parley's gRPC service against a real `parley serve`
// process with a client that shares no code with the server: Python stubs
// generated from proto/parley.proto by Debian's python3-grpc-tools and run by
// python3-grpcio, chatting with a JSON WebSocket client in one conversation.
package grpc
