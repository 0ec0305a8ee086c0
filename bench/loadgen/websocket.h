#pragma once

// The client side of RFC 6455, as much as the load generator needs and no more: the opening
// handshake (with a checked Sec-WebSocket-Accept), masked frames out, unmasked server frames in.
// Plain C++ (no Qt): the load generator must be cheaper per message than the servers it drives.

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen::ws {

enum Opcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// base64(SHA-1(key + the RFC's GUID)): what the server must answer in Sec-WebSocket-Accept.
std::string acceptFor(std::string_view key);
// A random-looking 16-byte key, base64-encoded, from `seed`.
std::string makeKey(std::uint64_t seed);
std::string base64(std::string_view bytes);
std::string sha1(std::string_view bytes); // 20 raw bytes

// The GET request that opens a WebSocket at `path` (path and query) on host:port.
std::string handshakeRequest(std::string_view host, int port, std::string_view path, std::string_view key);

enum class HandshakeResult { Incomplete, Accepted, Refused };
// Reads a response head from `buffer`. Accepted: status 101 with the right accept value, and
// `headBytes` is the length of the head (frames may follow it). Refused: anything else, with
// `error` saying what (e.g. "HTTP/1.1 429 Too Many Requests").
HandshakeResult parseHandshakeResponse(std::string_view buffer, std::string_view key, std::size_t &headBytes,
                                       std::string &error);

// Appends one client frame (FIN set, masked with `mask`, as RFC 6455 requires of clients).
void appendFrame(std::string &out, Opcode opcode, std::string_view payload, std::uint32_t mask);

struct Frame
{
    bool fin = false;
    Opcode opcode = Continuation;
    std::string_view payload; // points into the buffer given to decodeFrame
};

enum class DecodeResult { Incomplete, Frame, Error };
// Decodes one server frame at the start of `buffer`. Frame: `frame` is set and `consumed` is its
// length. Error: a protocol violation (a masked server frame, reserved bits, an unknown opcode, a
// fragmented or oversized control frame, a length over `maxPayload`), with `error` set.
DecodeResult decodeFrame(std::string_view buffer, Frame &frame, std::size_t &consumed, std::string &error,
                         std::uint64_t maxPayload = std::uint64_t(1) << 32);

} // namespace loadgen::ws
