// The Cortado wire protocol (docs/protocol.md is the user-facing description; keep them in step).
//
// Every frame is one JSON text message. This header is shared by the server and the console, so it
// depends on QtCore only.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QLatin1String>
#include <QString>

#include <optional>

namespace cortado::protocol {

inline constexpr int Version = 1;
inline constexpr qsizetype MaxEventNameLength = 64;
inline constexpr qsizetype MaxRoomNameLength = 128;
inline constexpr qsizetype MaxStringIdLength = 64;
inline constexpr qint64 DefaultMaxMessageSize = 64 * 1024;
inline constexpr qsizetype MaxRoomsPerSocket = 128;

// Error codes carried by error acks, `system:error` and REST error bodies.
namespace errors {
inline constexpr QLatin1String BadJson{"bad_json"}; // frame or body is not a JSON object
inline constexpr QLatin1String BadEvent{"bad_event"}; // `event` missing, not a string, not domain:action
inline constexpr QLatin1String BadRoom{"bad_room"}; // `room` missing where needed, not a string, bad name
inline constexpr QLatin1String BadId{"bad_id"}; // `id` neither an integer nor a short string
inline constexpr QLatin1String BadPayload{"bad_payload"}; // payload has the wrong shape for the event
inline constexpr QLatin1String UnknownEvent{"unknown_event"}; // no handler for that event on this route
inline constexpr QLatin1String NotInRoom{"not_in_room"};
inline constexpr QLatin1String TooManyRooms{"too_many_rooms"}; // the socket is in MaxRoomsPerSocket rooms already // the event targets a room the socket has not joined
inline constexpr QLatin1String BinaryNotSupported{"binary_not_supported"}; // a binary frame was sent
inline constexpr QLatin1String Unauthorized{"unauthorized"};
inline constexpr QLatin1String Forbidden{"forbidden"};
inline constexpr QLatin1String NotFound{"not_found"};
inline constexpr QLatin1String MethodNotAllowed{"method_not_allowed"};
inline constexpr QLatin1String PayloadTooLarge{"payload_too_large"};
inline constexpr QLatin1String HeadersTooLarge{"headers_too_large"};
inline constexpr QLatin1String BadRequest{"bad_request"};
inline constexpr QLatin1String RequestTimeout{"request_timeout"}; // HTTP 408: the request head (or body) came too slowly
inline constexpr QLatin1String TooManyConnections{"too_many_connections"}; // HTTP 429: this address has too many open connections
inline constexpr QLatin1String InternalError{"internal_error"};
inline constexpr QLatin1String Overloaded{"overloaded"}; // the server cannot take this now; retry later
inline constexpr QLatin1String RateLimited{"rate_limited"}; // over a rate limit; details.retryAfterMs says when to retry
} // namespace errors

// Server events every client may receive.
namespace events {
inline constexpr QLatin1String Ack{"ack"};
inline constexpr QLatin1String Welcome{"system:welcome"};
inline constexpr QLatin1String Error{"system:error"};
inline constexpr QLatin1String RoomJoin{"room:join"};
inline constexpr QLatin1String RoomLeave{"room:leave"};
} // namespace events

// WebSocket close codes. 1000-range codes keep their RFC 6455 meaning; Cortado's own live in
// 4000-4999: 40xx means "do not reconnect until something changes", 41xx means "reconnect with
// backoff". docs/protocol.md lists them for client authors.
namespace close {
inline constexpr int Normal = 1000;
inline constexpr int GoingAway = 1001; // server shutting down: reconnect with backoff
inline constexpr int MessageTooBig = 1009; // frame over the size limit
inline constexpr int BadProtocol = 4000; // reserved (not sent yet): the client broke the protocol beyond recovery
inline constexpr int Unauthorized = 4001; // reserved (not sent yet): credentials missing or invalid
inline constexpr int Forbidden = 4003; // reserved (not sent yet): credentials valid, access denied
inline constexpr int Kicked = 4009; // disconnected by an operator
inline constexpr int RateLimited = 4029; // kept sending over its rate limit after being told
inline constexpr int TokenExpired = 4010; // token expired: get a new one, then reconnect
inline constexpr int Restart = 4100; // reserved (not sent yet): server asks the client to reconnect (e.g. rebalancing)
inline constexpr int SlowConsumer = 4101; // client did not read fast enough
inline constexpr int InternalError = 4102; // reserved (not sent yet): server fault
inline constexpr int NoHeartbeat = 4103; // client did not answer the server's ping in time

// Whether a client should reconnect on its own after a close with `code`.
bool shouldReconnect(int code);
} // namespace close

// An error as clients see it: a stable machine-readable code and a human message.
struct ErrorInfo
{
    QString code;
    QString message;
    QJsonValue details = QJsonValue::Undefined;

    QJsonObject toJson() const;
};

// A parsed client frame: {"event", "payload"?, "room"?, "id"?}.
struct Envelope
{
    QString event;
    std::optional<QString> room;
    QJsonValue id = QJsonValue::Undefined; // integer or string; Undefined when the client sent none
    // The payload as compact JSON (empty when the client sent none). Keys keep the client's order;
    // a handler that passes the payload on unchanged sends these bytes (EventContext::relay).
    QByteArray payloadJson;

    bool wantsAck() const { return !id.isUndefined(); }
    // The payload as a JSON value: built from payloadJson on first use (most relayed messages
    // never need it). Undefined when the client sent none.
    const QJsonValue &payload() const;
    void setPayload(const QJsonValue &payload);

private:
    mutable std::optional<QJsonValue> m_payload;
};

// The outcome of parsing a frame: an envelope, or an error to send back. When the frame was an
// object with a usable id but another field was bad, `id` is set so the error goes out as an ack.
struct ParseResult
{
    std::optional<Envelope> envelope;
    ErrorInfo error;
    QJsonValue id = QJsonValue::Undefined;
};

ParseResult parseEnvelope(QByteArrayView utf8);

bool isValidEventName(QStringView name);
// "ack" and "system:*" are the server's own: no client, REST caller or operator may emit them.
bool isReservedEvent(QStringView name);
bool isValidRoomName(QStringView name);

// Encoders return compact UTF-8 JSON, ready to send; call them once per message, not per recipient.
QByteArray encodeEvent(const QString &event, const QJsonValue &payload,
                       const std::optional<QString> &room = {}, const QString &from = {},
                       std::optional<qint64> offset = {});
// The same frame as encodeEvent(event, payload, room) for a payload that is compact JSON already
// (assembled from cached encodings, e.g. a room's presence list): no JSON tree is built.
QByteArray encodeEventWithPayloadJson(const QString &event, QByteArrayView payloadJson,
                                      const std::optional<QString> &room = {}, const QString &from = {},
                                      std::optional<qint64> offset = {});
// A room message whose offset is not known yet (a cluster's Redis hands it out): the frame is
// head + ",\"offset\":" + N + tail, the same bytes encodeEvent(..., N) gives.
struct FrameParts
{
    QByteArray head;
    QByteArray tail;
    QByteArray withOffset(qint64 offset) const;
};
// `payloadJson` (compact JSON) when not empty, else `payload`.
FrameParts encodeEventParts(const QString &event, const QJsonValue &payload, QByteArrayView payloadJson,
                            const std::optional<QString> &room, const QString &from);
QByteArray encodeAck(const QJsonValue &id, const QJsonValue &payload = QJsonValue::Undefined);
// `value` as compact JSON: the same bytes as QJsonDocument::toJson(Compact) (keys sorted), written
// directly (what every encode* here uses).
QByteArray toCompactJson(const QJsonValue &value);
QByteArray encodeErrorAck(const QJsonValue &id, const ErrorInfo &error);
QByteArray encodeSystemError(const ErrorInfo &error);

} // namespace cortado::protocol
