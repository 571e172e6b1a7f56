// The protobuf codec of Parley's TypeScript SDK, its own entry point
// (`@parley-im/sdk/protobuf`) so applications that stay on JSON never load
// it. A Client with `format: 'protobuf'` loads it by itself; these exports
// are for tools that want the frames directly.

export { protobufDialer, subprotocol } from './dialer.js';
export { decodeServerFrame, decodeServerFrameText, encodeClientFrame } from './frames.js';
export { serverToJSONText } from './text.js';
export { clientToWire } from './client.js';
export { serverFromWire } from './server.js';
