#include "cortado/protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QCborValue>
#include <QLocale>

#include <simdjson.h>

#include <cmath>
#include <string_view>

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

const QJsonValue &Envelope::payload() const
{
    if (!m_payload) {
        // Wrapped in an array: Qt's documents are objects or arrays, a payload may be any value.
        m_payload = payloadJson.isEmpty()
                ? QJsonValue(QJsonValue::Undefined)
                : QJsonDocument::fromJson('[' + payloadJson + ']').array().at(0);
    }
    return *m_payload;
}

void Envelope::setPayload(const QJsonValue &payload)
{
    m_payload = payload;
    payloadJson = payload.isUndefined() ? QByteArray() : toCompactJson(payload);
}

// The fast path for a well-formed envelope: simdjson validates the whole frame (UTF-8 included) and
// finds its fields without building Qt's JSON tree, and the payload stays compact bytes. Anything
// else — invalid JSON, a bad or repeated field, integers beyond 64 bits, a large frame — returns
// nullopt, and Qt's parser below decides, with its error messages.
static std::optional<Envelope> parseWellFormed(QByteArrayView utf8)
{
    // Large frames go to Qt's parser: the parser keeps its buffers at the largest frame it saw.
    static constexpr qsizetype MaxFastFrame = 64 * 1024;
    if (utf8.size() > MaxFastFrame)
        return std::nullopt;
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(utf8.data(), size_t(utf8.size())).get(object) != simdjson::SUCCESS)
        return std::nullopt;
    auto text = [](std::string_view view) { return QString::fromUtf8(view.data(), qsizetype(view.size())); };
    Envelope envelope;
    bool seenEvent = false, seenRoom = false, seenId = false, seenPayload = false;
    for (const simdjson::dom::key_value_pair field : object) {
        std::string_view value;
        if (field.key == "event") {
            if (seenEvent || field.value.get(value) != simdjson::SUCCESS)
                return std::nullopt;
            seenEvent = true;
            envelope.event = text(value);
        } else if (field.key == "room") {
            if (seenRoom)
                return std::nullopt;
            seenRoom = true;
            if (field.value.is_null())
                continue;
            if (field.value.get(value) != simdjson::SUCCESS)
                return std::nullopt;
            envelope.room = text(value);
        } else if (field.key == "id") {
            int64_t number = 0;
            if (seenId)
                return std::nullopt;
            seenId = true;
            if (field.value.get(value) == simdjson::SUCCESS)
                envelope.id = text(value);
            else if (field.value.is_int64() && field.value.get(number) == simdjson::SUCCESS)
                envelope.id = qint64(number);
            else
                return std::nullopt;
        } else if (field.key == "payload") {
            if (seenPayload)
                return std::nullopt;
            seenPayload = true;
            const std::string compact = simdjson::to_string(field.value);
            envelope.payloadJson = QByteArray(compact.data(), qsizetype(compact.size()));
        }
    }
    if (!seenEvent || !isValidEventName(envelope.event) || (!envelope.id.isUndefined() && !isValidId(envelope.id))
        || (envelope.room && !isValidRoomName(*envelope.room)))
        return std::nullopt;
    return envelope;
}

ParseResult parseEnvelope(QByteArrayView utf8)
{
    if (std::optional<Envelope> envelope = parseWellFormed(utf8)) {
        ParseResult result;
        result.id = envelope->id;
        result.envelope = std::move(envelope);
        return result;
    }
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
    envelope.setPayload(object.value("payload"_L1));
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

// --- Compact JSON, written straight into bytes ---
// Every frame the server sends goes through here. QJsonDocument::toJson() converts the value to CBOR
// and back, and building the envelope as a QJsonObject costs a CBOR container per frame; these write
// the same bytes directly (tst_protocol compares them with QJsonDocument on a corpus and random input).

static constexpr char HexDigits[] = "0123456789abcdef";

static qsizetype jsonStringSize(QStringView text)
{
    qsizetype size = 2;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t u = text[i].unicode();
        if (u < 0x80)
            size += u < 0x20 ? (u == '\b' || u == '\f' || u == '\n' || u == '\r' || u == '\t' ? 2 : 6)
                             : (u == '"' || u == '\\' ? 2 : 1);
        else if (u < 0x800)
            size += 2;
        else if (!QChar::isSurrogate(u))
            size += 3;
        else if (QChar::isHighSurrogate(u) && i + 1 < text.size() && QChar::isLowSurrogate(text[i + 1].unicode()))
            size += 4, ++i;
        else
            size += 6; // a lone surrogate: \uXXXX, as Qt writes it
    }
    return size;
}

static void appendJsonString(QByteArray &out, QStringView text)
{
    const qsizetype start = out.size();
    out.resize(start + jsonStringSize(text));
    char *cursor = out.data() + start;
    const auto escape = [&cursor](char16_t u) {
        *cursor++ = '\\';
        *cursor++ = 'u';
        for (int shift = 12; shift >= 0; shift -= 4)
            *cursor++ = HexDigits[(u >> shift) & 0xf];
    };
    *cursor++ = '"';
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t u = text[i].unicode();
        if (u < 0x80) {
            if (u >= 0x20 && u != '"' && u != '\\') {
                *cursor++ = char(u);
                continue;
            }
            switch (u) {
            case '"': *cursor++ = '\\'; *cursor++ = '"'; break;
            case '\\': *cursor++ = '\\'; *cursor++ = '\\'; break;
            case '\b': *cursor++ = '\\'; *cursor++ = 'b'; break;
            case '\f': *cursor++ = '\\'; *cursor++ = 'f'; break;
            case '\n': *cursor++ = '\\'; *cursor++ = 'n'; break;
            case '\r': *cursor++ = '\\'; *cursor++ = 'r'; break;
            case '\t': *cursor++ = '\\'; *cursor++ = 't'; break;
            default: escape(u);
            }
        } else if (u < 0x800) {
            *cursor++ = char(0xc0 | (u >> 6));
            *cursor++ = char(0x80 | (u & 0x3f));
        } else if (!QChar::isSurrogate(u)) {
            *cursor++ = char(0xe0 | (u >> 12));
            *cursor++ = char(0x80 | ((u >> 6) & 0x3f));
            *cursor++ = char(0x80 | (u & 0x3f));
        } else if (QChar::isHighSurrogate(u) && i + 1 < text.size() && QChar::isLowSurrogate(text[i + 1].unicode())) {
            const char32_t c = QChar::surrogateToUcs4(u, text[++i].unicode());
            *cursor++ = char(0xf0 | (c >> 18));
            *cursor++ = char(0x80 | ((c >> 12) & 0x3f));
            *cursor++ = char(0x80 | ((c >> 6) & 0x3f));
            *cursor++ = char(0x80 | (c & 0x3f));
        } else {
            escape(u);
        }
    }
    *cursor++ = '"';
}

static void appendJson(QByteArray &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.append("null");
        return;
    case QJsonValue::Bool:
        out.append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::Double: {
        // Integers (as parsed or inserted) are written whole; doubles the shortest way that reads back.
        if (const QCborValue number = QCborValue::fromJsonValue(value); number.isInteger()) {
            out.append(QByteArray::number(number.toInteger()));
            return;
        }
        const double d = value.toDouble();
        out.append(std::isfinite(d) ? QByteArray::number(d, 'g', QLocale::FloatingPointShortest) : QByteArray("null"));
        return;
    }
    case QJsonValue::String:
        appendJsonString(out, value.toString());
        return;
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        out.append('[');
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (i)
                out.append(',');
            appendJson(out, array.at(i));
        }
        out.append(']');
        return;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        out.append('{');
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (it != object.constBegin())
                out.append(',');
            appendJsonString(out, it.key());
            out.append(':');
            appendJson(out, it.value());
        }
        out.append('}');
        return;
    }
    }
}

QByteArray toCompactJson(const QJsonValue &value)
{
    QByteArray out;
    appendJson(out, value);
    return out;
}

// The event envelope around a payload that `writePayload` appends (nothing for Undefined). Keys
// sorted, as QJsonObject writes them: event, from, offset, payload, room.
template<typename WritePayload>
static QByteArray encodeEnvelope(const QString &event, qsizetype payloadHint, WritePayload writePayload,
                                 const std::optional<QString> &room, const QString &from, std::optional<qint64> offset,
                                 qsizetype *offsetAt = nullptr)
{
    QByteArray frame;
    frame.reserve(64 + payloadHint + event.size() + from.size() + (room ? room->size() : 0));
    frame.append("{\"event\":");
    appendJsonString(frame, event);
    if (!from.isEmpty()) {
        frame.append(",\"from\":");
        appendJsonString(frame, from);
    }
    if (offset)
        frame.append(",\"offset\":").append(QByteArray::number(*offset));
    else if (offsetAt)
        *offsetAt = frame.size();
    writePayload(frame);
    if (room) {
        frame.append(",\"room\":");
        appendJsonString(frame, *room);
    }
    frame.append('}');
    return frame;
}

QByteArray encodeEvent(const QString &event, const QJsonValue &payload,
                       const std::optional<QString> &room, const QString &from,
                       std::optional<qint64> offset)
{
    return encodeEnvelope(event, 0, [&payload](QByteArray &frame) {
        if (!payload.isUndefined()) {
            frame.append(",\"payload\":");
            appendJson(frame, payload);
        }
    }, room, from, offset);
}

QByteArray encodeEventWithPayloadJson(const QString &event, QByteArrayView payloadJson,
                                      const std::optional<QString> &room, const QString &from,
                                      std::optional<qint64> offset)
{
    return encodeEnvelope(event, payloadJson.size(), [payloadJson](QByteArray &frame) {
        if (!payloadJson.isEmpty())
            frame.append(",\"payload\":").append(payloadJson);
    }, room, from, offset);
}

FrameParts encodeEventParts(const QString &event, const QJsonValue &payload, QByteArrayView payloadJson,
                            const std::optional<QString> &room, const QString &from)
{
    qsizetype offsetAt = 0;
    QByteArray frame = payloadJson.isEmpty()
            ? encodeEnvelope(event, 0, [&payload](QByteArray &out) {
                  if (!payload.isUndefined()) {
                      out.append(",\"payload\":");
                      appendJson(out, payload);
                  }
              }, room, from, std::nullopt, &offsetAt)
            : encodeEnvelope(event, payloadJson.size(), [payloadJson](QByteArray &out) {
                  out.append(",\"payload\":").append(payloadJson);
              }, room, from, std::nullopt, &offsetAt);
    return FrameParts{frame.left(offsetAt), frame.mid(offsetAt)};
}

QByteArray FrameParts::withOffset(qint64 offset) const
{
    QByteArray frame;
    frame.reserve(head.size() + tail.size() + 32);
    frame.append(head).append(",\"offset\":").append(QByteArray::number(offset)).append(tail);
    return frame;
}

QByteArray encodeAck(const QJsonValue &id, const QJsonValue &payload)
{
    // Keys sorted, as QJsonObject writes them: event, id, ok, payload.
    QByteArray frame;
    frame.reserve(48);
    frame.append("{\"event\":\"").append(events::Ack.data(), events::Ack.size()).append("\",\"id\":");
    appendJson(frame, id);
    frame.append(",\"ok\":true");
    if (!payload.isUndefined()) {
        frame.append(",\"payload\":");
        appendJson(frame, payload);
    }
    frame.append('}');
    return frame;
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
