#pragma once

#include "routing/http.h"

#include <QByteArray>
#include <QString>

#include <optional>

// Cortado's own RFC 6455 frame layer: pure functions and a byte-fed decoder. No QObject, no socket,
// so every rule can be tested (and fuzzed) with byte arrays. WebSocketConnection puts it on a socket.
namespace cortado::websocket {

enum class Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// RFC 6455 / IANA close codes the frame layer itself uses.
namespace closecode {
inline constexpr int Normal = 1000;
inline constexpr int ProtocolError = 1002;
inline constexpr int NoStatus = 1005; // never sent: "the close frame had no code"
inline constexpr int Abnormal = 1006; // never sent: "TCP ended without a close frame"
inline constexpr int InvalidPayload = 1007; // text or close reason that is not UTF-8
inline constexpr int PolicyViolation = 1008;
inline constexpr int MessageTooBig = 1009;
} // namespace closecode

inline constexpr int MaxControlPayload = 125;

struct DecoderLimits
{
    qint64 maxMessageSize = 64 * 1024; // all fragments together; larger → 1009 from the header
    int maxFragments = 1024; // frames per message; more → 1008
};

// One thing the decoder found in the byte stream.
struct DecodedFrame
{
    enum class Kind {
        NeedMore, // no complete frame buffered yet
        Text, // a complete (reassembled) text message: `payload` is valid UTF-8
        Binary, // a complete binary message
        Ping,
        Pong,
        Close, // the peer's close frame: `code` (1005 when it carried none) and `reason`
        Error, // the peer broke the protocol: close with `code` and `reason`, then stop decoding
    };
    Kind kind = Kind::NeedMore;
    QByteArray payload;
    int code = 0;
    QString reason;
};

// Incremental decoder for client → server frames. Feed bytes with append(), then call next()
// until it answers NeedMore (or Error: after an error it keeps answering the same error).
// Memory: holds at most one frame's bytes plus the unfinished message (both ≤ maxMessageSize,
// checked from the frame header before the payload is buffered).
class FrameDecoder
{
public:
    explicit FrameDecoder(DecoderLimits limits = {}) : m_limits(limits) { }

    void append(QByteArrayView bytes);
    DecodedFrame next();

    // True while a fragmented message is started and not finished.
    bool inFragmentedMessage() const { return m_messageOpcode != Opcode::Continuation; }
    // Bytes held (unparsed input + unfinished message).
    qsizetype bufferedBytes() const { return m_buffer.size() - m_position + m_message.size(); }

private:
    DecodedFrame fail(int code, QString reason);

    DecoderLimits m_limits;
    QByteArray m_buffer; // unparsed input from m_position on
    qsizetype m_position = 0;
    Opcode m_messageOpcode = Opcode::Continuation; // Text/Binary while a fragmented message is open
    QByteArray m_message; // fragments so far
    int m_fragments = 0;
    std::optional<DecodedFrame> m_error;
};

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), as RFC 6455 8.1 requires.
bool isValidUtf8(QByteArrayView bytes);
// Whether a client may send `code` in a close frame (RFC 6455 7.4.1 plus 3000-4999).
bool isValidCloseCode(int code);

// Server → client frames: unmasked, unfragmented. A broadcast is encoded once and the same bytes
// are written to every recipient.
QByteArray encodeFrame(Opcode opcode, QByteArrayView payload);
inline QByteArray encodeText(QByteArrayView utf8) { return encodeFrame(Opcode::Text, utf8); }
// `reason` is cut to fit the 125-byte control payload (at a character boundary).
QByteArray encodeClose(int code, const QString &reason);

// The opening handshake (RFC 6455 4.2), checked on the head the gateway read.
struct Handshake
{
    QByteArray accept; // Sec-WebSocket-Accept
    QByteArray subprotocol; // empty: none echoed

    // The "101 Switching Protocols" response.
    QByteArray response() const;
};

inline constexpr QByteArrayView Subprotocol = "cortado.v1";

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC GUID)).
QByteArray acceptKey(QByteArrayView key);
// Checks version 13 (else 426, answer with Sec-WebSocket-Version: 13) and the key (16 bytes in
// base64, else 400); picks the subprotocol: `cortado.v1` when offered. A `cortado.bearer.<token>`
// entry is a credential and is never echoed.
std::optional<Error> checkHandshake(const Headers &headers, Handshake *handshake);

} // namespace cortado::websocket
