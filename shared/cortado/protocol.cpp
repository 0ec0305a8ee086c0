#include "cortado/protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

using namespace Qt::StringLiterals;

namespace cortado::protocol {

bool close::shouldReconnect(int code)
{
    if (code >= 4100 && code < 4200)
        return true;
    // 1001 (server going away), 1006 (dropped), 1011-1014 (server trouble) are transient.
    return code == GoingAway || code == 1006 || (code >= 1011 && code <= 1014);
}

QJsonObject ErrorInfo::toJson() const
{
    QJsonObject object{{u"code"_s, code}, {u"message"_s, message}};
    if (!details.isUndefined())
        object.insert(u"details"_s, details);
    return object;
}

static bool isEventChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'_' || c == u'-' || c == u'.';
}

bool isValidEventName(QStringView name)
{
    if (name.isEmpty() || name.size() > MaxEventNameLength)
        return false;
    // domain:action[:more]: non-empty parts separated by single colons.
    qsizetype partLength = 0;
    int colons = 0;
    for (QChar c : name) {
        if (c == u':') {
            if (partLength == 0)
                return false;
            ++colons;
            partLength = 0;
        } else if (isEventChar(c)) {
            ++partLength;
        } else {
            return false;
        }
    }
    return colons > 0 && partLength > 0;
}

bool isReservedEvent(QStringView name)
{
    return name == events::Ack || name.startsWith(u"system:");
}

bool isValidRoomName(QStringView name)
{
    if (name.isEmpty() || name.size() > MaxRoomNameLength)
        return false;
    for (QChar c : name) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return false;
    }
    return true;
}

static bool isValidId(const QJsonValue &id)
{
    if (id.isString()) {
        const qsizetype size = id.toString().size();
        return size > 0 && size <= MaxStringIdLength;
    }
    if (id.isDouble()) {
        // Integers only, and only those a JavaScript client can represent exactly.
        const double value = id.toDouble();
        return std::trunc(value) == value && std::fabs(value) <= 9007199254740991.0;
    }
    return false;
}

static ParseResult failure(QLatin1String code, const QString &message,
                           const QJsonValue &id = QJsonValue::Undefined)
{
    ParseResult result;
    result.error = ErrorInfo{code, message};
    result.id = id;
    return result;
}

ParseResult parseEnvelope(QByteArrayView utf8)
{
    QJsonParseError parseError;
    const QJsonDocument document =
            QJsonDocument::fromJson(QByteArray::fromRawData(utf8.data(), utf8.size()), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return failure(errors::BadJson, u"frame is not valid JSON: "_s + parseError.errorString());
    if (!document.isObject())
        return failure(errors::BadJson, u"frame must be a JSON object"_s);

    const QJsonObject object = document.object();
    QJsonValue id = object.value("id"_L1);
    if (!id.isUndefined() && !isValidId(id))
        return failure(errors::BadId,
                       u"\"id\" must be an integer or a string of 1 to %1 characters"_s.arg(
                               MaxStringIdLength));

    const QJsonValue event = object.value("event"_L1);
    if (!event.isString())
        return failure(errors::BadEvent, u"\"event\" must be a string"_s, id);
    if (!isValidEventName(event.toString()))
        return failure(errors::BadEvent,
                       u"\"event\" must look like domain:action (letters, digits, _ - . ; at most "
                       u"%1 characters)"_s.arg(MaxEventNameLength),
                       id);

    Envelope envelope;
    envelope.event = event.toString();
    envelope.payload = object.value("payload"_L1);
    envelope.id = id;
    const QJsonValue room = object.value("room"_L1);
    if (!room.isUndefined() && !room.isNull()) {
        if (!room.isString() || !isValidRoomName(room.toString()))
            return failure(errors::BadRoom,
                           u"\"room\" must be a string of 1 to %1 printable characters"_s.arg(
                                   MaxRoomNameLength),
                           id);
        envelope.room = room.toString();
    }

    ParseResult result;
    result.envelope = std::move(envelope);
    result.id = id;
    return result;
}

static QByteArray toCompactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray encodeEvent(const QString &event, const QJsonValue &payload,
                       const std::optional<QString> &room, const QString &from,
                       std::optional<qint64> offset)
{
    QJsonObject object{{u"event"_s, event}};
    if (!payload.isUndefined())
        object.insert(u"payload"_s, payload);
    if (room)
        object.insert(u"room"_s, *room);
    if (!from.isEmpty())
        object.insert(u"from"_s, from);
    if (offset)
        object.insert(u"offset"_s, *offset);
    return toCompactJson(object);
}

// `text` as a JSON string literal, quotes included.
static QByteArray jsonString(const QString &text)
{
    const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2); // ["..."] → "..."
}

QByteArray encodeEventWithPayloadJson(const QString &event, QByteArrayView payloadJson,
                                      const std::optional<QString> &room)
{
    // Keys in the order QJsonObject writes them (sorted), so both encoders give the same bytes.
    QByteArray frame;
    frame.reserve(payloadJson.size() + event.size() + (room ? room->size() : 0) + 40);
    frame.append("{\"event\":").append(jsonString(event)).append(",\"payload\":").append(payloadJson);
    if (room)
        frame.append(",\"room\":").append(jsonString(*room));
    frame.append('}');
    return frame;
}

QByteArray encodeAck(const QJsonValue &id, const QJsonValue &payload)
{
    QJsonObject object{{u"event"_s, events::Ack}, {u"id"_s, id}, {u"ok"_s, true}};
    if (!payload.isUndefined())
        object.insert(u"payload"_s, payload);
    return toCompactJson(object);
}

QByteArray encodeErrorAck(const QJsonValue &id, const ErrorInfo &error)
{
    return toCompactJson(QJsonObject{{u"event"_s, events::Ack},
                                     {u"id"_s, id},
                                     {u"ok"_s, false},
                                     {u"error"_s, error.toJson()}});
}

QByteArray encodeSystemError(const ErrorInfo &error)
{
    return toCompactJson(QJsonObject{{u"event"_s, events::Error}, {u"payload"_s, error.toJson()}});
}

} // namespace cortado::protocol
