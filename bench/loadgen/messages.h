#pragma once

// The messages the load generator sends and reads, in two flavours:
//   cortado  — Cortado's JSON envelope ({"event","room","payload","id"}; acks {"event":"ack","id",...});
//              the ws peer speaks it too;
//   socketio — Socket.IO v5 packets over Engine.IO v4, WebSocket transport only: "0{...}" open,
//              "40" connect, "42[...]" events, "42<id>[...]" with an ack id, "43<id>[...]" acks,
//              ping "2" / pong "3".
// JSON is written by hand and read by looking for known keys: the messages are ours, and a real
// parser would cost the load generator more than the servers it measures.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loadgen {

enum class Flavour { Cortado, SocketIo };

// The raw value of the first `"key":` in `json`: a string's content without quotes, or a number,
// true/false/null, or an object/array up to its matching bracket. Empty when absent.
std::string_view jsonField(std::string_view json, std::string_view key);
std::optional<std::int64_t> toInt(std::string_view digits);

std::string joinMessage(Flavour flavour, std::string_view room, std::uint64_t id);
// chat:send into `room` with payload {"seq":seq,"text":"..."}.
std::string chatMessage(Flavour flavour, std::string_view room, std::uint64_t id, std::int64_t seq);

// What a text message from the server means to the load generator.
struct Incoming
{
    enum Kind {
        Other,      // presence, welcome, ...: read and dropped
        Chat,       // chat:message; `seq` from its payload
        Ack,        // an ack; `id`, `ok`
        EngineOpen, // socketio: "0{...}", answer "40"
        Connected,  // socketio: "40{...}"
        Ping,       // socketio: "2", answer "3"
        Error,      // socketio connect error / engine close
    } kind = Other;
    std::int64_t seq = -1;
    std::uint64_t id = 0;
    bool ok = false;
};
Incoming classify(Flavour flavour, std::string_view text);

} // namespace loadgen
