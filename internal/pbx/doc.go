// Package pbx is Parley's protobuf codec: the messages of proto/parley.proto
// (generated here, package pbx like Tinode's gRPC service, so Tinode's gRPC
// clients work unmodified) and their conversion to and from internal/proto,
// the one message model. The session never sees these types: transports
// decode client messages into the model and encode the model's server
// messages, as the JSON codec does.
//
// Free-form JSON values (content, head values, ctrl params, public, private)
// travel as their JSON encoding in bytes fields, and timestamps as int64
// milliseconds, as on Tinode's gRPC wire.
//
// Regenerate parley.pb.go and parley_grpc.pb.go with `make proto`.
package pbx
