// The envelope parser and encoders: what every client frame goes through.
#include "cortado/jsonschema.h"
#include "cortado/protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include <array>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;
using namespace cortado::protocol;

class tst_Protocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void eventNames_data();
    void eventNames();
    void encodersProduceDocumentedShapes();
    void payloadJsonEncoderMatchesEncodeEvent_data();
    void payloadJsonEncoderMatchesEncodeEvent();
    void reconnectAdvice_data();
    void reconnectAdvice();
    void compactJsonIsWhatQJsonDocumentWrites();
    void encodersWriteWhatQJsonObjectWould();
    void fastPathReadsWhatQtReads();
    void jsonSchemaSubset_data();
    void jsonSchemaSubset();
    void jsonSchemaRefusesWhatItWouldIgnore_data();
    void jsonSchemaRefusesWhatItWouldIgnore();
};

void tst_Protocol::parse_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("errorCode"); // empty: parses
    QTest::addColumn<bool>("errorHasId");

    QTest::newRow("full") << R"({"event":"chat:send","payload":{"a":1},"room":"lobby","id":7})"_ba << QString() << false;
    QTest::newRow("event only") << R"({"event":"chat:send"})"_ba << QString() << false;
    QTest::newRow("string id") << R"({"event":"chat:send","id":"req-1"})"_ba << QString() << false;
    QTest::newRow("null room is no room") << R"({"event":"a:b","room":null})"_ba << QString() << false;
    QTest::newRow("not json") << "hello"_ba << u"bad_json"_s << false;
    QTest::newRow("truncated") << R"({"event":"a:b")"_ba << u"bad_json"_s << false;
    QTest::newRow("array") << "[1,2]"_ba << u"bad_json"_s << false;
    QTest::newRow("no event") << R"({"payload":1,"id":3})"_ba << u"bad_event"_s << true;
    QTest::newRow("event not string") << R"({"event":5,"id":3})"_ba << u"bad_event"_s << true;
    QTest::newRow("event without colon") << R"({"event":"send","id":3})"_ba << u"bad_event"_s << true;
    QTest::newRow("room not string") << R"({"event":"a:b","room":5,"id":3})"_ba << u"bad_room"_s << true;
    QTest::newRow("empty room") << R"({"event":"a:b","room":"","id":3})"_ba << u"bad_room"_s << true;
    QTest::newRow("control char room") << "{\"event\":\"a:b\",\"room\":\"a\\u0001\"}"_ba << u"bad_room"_s << false;
    QTest::newRow("number beyond double") << R"({"event":"a:b","payload":1e400})"_ba << u"bad_json"_s << false;
    QTest::newRow("object id") << R"({"event":"a:b","id":{}})"_ba << u"bad_id"_s << false;
    QTest::newRow("fractional id") << R"({"event":"a:b","id":1.5})"_ba << u"bad_id"_s << false;
    QTest::newRow("empty string id") << R"({"event":"a:b","id":""})"_ba << u"bad_id"_s << false;
}

void tst_Protocol::parse()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, errorCode);
    QFETCH(bool, errorHasId);

    const ParseResult result = parseEnvelope(frame);
    if (errorCode.isEmpty()) {
        QVERIFY2(result.envelope, qPrintable(result.error.message));
        QVERIFY(!result.envelope->event.isEmpty());
        return;
    }
    QVERIFY(!result.envelope);
    QCOMPARE(result.error.code, errorCode);
    QVERIFY(!result.error.message.isEmpty());
    QCOMPARE(!result.id.isUndefined(), errorHasId);
}

void tst_Protocol::eventNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("domain:action") << u"chat:send"_s << true;
    QTest::newRow("three parts") << u"board:card:move"_s << true;
    QTest::newRow("digits dash dot") << u"v2.chat:send-now"_s << true;
    QTest::newRow("no colon") << u"chat"_s << false;
    QTest::newRow("empty action") << u"chat:"_s << false;
    QTest::newRow("empty domain") << u":send"_s << false;
    QTest::newRow("double colon") << u"a::b"_s << false;
    QTest::newRow("space") << u"chat:se nd"_s << false;
    QTest::newRow("too long") << u"a:"_s + QString(64, u'x') << false;
}

void tst_Protocol::eventNames()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(isValidEventName(name), valid);
}

void tst_Protocol::encodersProduceDocumentedShapes()
{
    const QJsonObject event = QJsonDocument::fromJson(
            encodeEvent(u"chat:message"_s, QJsonObject{{u"t"_s, 1}}, u"lobby"_s, u"abc"_s)).object();
    QCOMPARE(event, (QJsonObject{{u"event"_s, u"chat:message"_s}, {u"payload"_s, QJsonObject{{u"t"_s, 1}}},
                                 {u"room"_s, u"lobby"_s}, {u"from"_s, u"abc"_s}}));

    const QJsonObject ack = QJsonDocument::fromJson(encodeAck(7, QJsonObject{{u"x"_s, true}})).object();
    QCOMPARE(ack, (QJsonObject{{u"event"_s, u"ack"_s}, {u"id"_s, 7}, {u"ok"_s, true},
                               {u"payload"_s, QJsonObject{{u"x"_s, true}}}}));

    const QJsonObject error = QJsonDocument::fromJson(
            encodeErrorAck(u"r1"_s, ErrorInfo{u"forbidden"_s, u"no"_s})).object();
    QCOMPARE(error, (QJsonObject{{u"event"_s, u"ack"_s}, {u"id"_s, u"r1"_s}, {u"ok"_s, false},
                                 {u"error"_s, QJsonObject{{u"code"_s, u"forbidden"_s}, {u"message"_s, u"no"_s}}}}));

    const QJsonObject system = QJsonDocument::fromJson(
            encodeSystemError(ErrorInfo{u"bad_json"_s, u"x"_s})).object();
    QCOMPARE(system.value("event"_L1).toString(), u"system:error"_s);
    QCOMPARE(system.value("payload"_L1).toObject().value("code"_L1).toString(), u"bad_json"_s);
}

void tst_Protocol::payloadJsonEncoderMatchesEncodeEvent_data()
{
    QTest::addColumn<QJsonValue>("payload");
    QTest::addColumn<std::optional<QString>>("room");
    QTest::newRow("object, room") << QJsonValue(QJsonObject{{u"users"_s, QJsonArray{QJsonObject{{u"id"_s, u"a"_s}}}}})
                                  << std::optional<QString>(u"lobby"_s);
    QTest::newRow("no room") << QJsonValue(QJsonObject{{u"n"_s, 1}}) << std::optional<QString>();
    QTest::newRow("room needing escapes") << QJsonValue(QJsonArray{1, u"x"_s})
                                          << std::optional<QString>(u"q\"\\\u00e9\n"_s);
}

// Cached encodings (presence lists) are sent through encodeEventWithPayloadJson: a client must not be
// able to tell the two encoders apart.
void tst_Protocol::payloadJsonEncoderMatchesEncodeEvent()
{
    QFETCH(QJsonValue, payload);
    QFETCH(std::optional<QString>, room);
    const QByteArray payloadJson = payload.isObject()
            ? QJsonDocument(payload.toObject()).toJson(QJsonDocument::Compact)
            : QJsonDocument(payload.toArray()).toJson(QJsonDocument::Compact);
    QCOMPARE(encodeEventWithPayloadJson(u"presence:state"_s, payloadJson, room),
             encodeEvent(u"presence:state"_s, payload, room));
}

void tst_Protocol::reconnectAdvice_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("reconnect");
    QTest::newRow("normal") << close::Normal << false;
    QTest::newRow("going away") << close::GoingAway << true;
    QTest::newRow("too big") << close::MessageTooBig << false;
    QTest::newRow("unauthorized") << close::Unauthorized << false;
    QTest::newRow("kicked") << close::Kicked << false;
    QTest::newRow("slow consumer") << close::SlowConsumer << true;
    QTest::newRow("internal") << close::InternalError << true;
}

void tst_Protocol::reconnectAdvice()
{
    QFETCH(int, code);
    QFETCH(bool, reconnect);
    QCOMPARE(close::shouldReconnect(code), reconnect);
}

QTEST_GUILESS_MAIN(tst_Protocol)
// The hand-written JSON writer must give the bytes Qt's own writer gives (clients, tests and the
// history store see them), for every kind of value, and for random strings (escapes, every UTF-16 unit).
void tst_Protocol::compactJsonIsWhatQJsonDocumentWrites()
{
    const auto qtBytes = [](const QJsonValue &value) {
        const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
        return wrapped.mid(1, wrapped.size() - 2);
    };
    QString awkward;
    for (char16_t u = 0; u < 0x30; ++u)
        awkward.append(QChar(u));
    awkward += u"\"\\/ é ß € 𝄞 \x7f"_s;
    awkward.append(QChar(0xd800)); // lone high surrogate
    awkward.append(u'x');
    awkward.append(QChar(0xdc00)); // lone low surrogate
    awkward.append(QChar(0xfffe));
    const QList<QJsonValue> corpus{
            QJsonValue(), true, false, 0, -1, 42, 0.1, -0.0, 1.5e-7, 1e21, 123456789.125,
            double(1LL << 53), qint64(1LL << 53) + 1, std::numeric_limits<qint64>::min(),
            std::numeric_limits<qint64>::max(), std::numeric_limits<double>::quiet_NaN(),
            std::numeric_limits<double>::infinity(), u""_s, u"plain"_s, awkward,
            QJsonArray{}, QJsonObject{}, QJsonArray{1, u"two"_s, QJsonArray{3}, QJsonObject{{u"k"_s, QJsonValue()}}},
            QJsonObject{{u"zeta"_s, 1}, {u"alpha"_s, QJsonObject{{u"b"_s, true}, {u"a"_s, awkward}}}, {awkward, 2}},
            QJsonDocument::fromJson(R"({"n":[1,2.5,-3e-5,12345678901234567890,1e400,0],"s":"a\u0000b"})").object()};
    for (const QJsonValue &value : corpus)
        QCOMPARE(cortado::protocol::toCompactJson(value), qtBytes(value));

    QRandomGenerator random(20261128);
    for (int round = 0; round < 2000; ++round) {
        QString text;
        const int length = random.bounded(12);
        for (int i = 0; i < length; ++i) {
            switch (random.bounded(4)) {
            case 0: text.append(QChar(char16_t(random.bounded(0x80)))); break;
            case 1: text.append(QChar(char16_t(random.bounded(0x800)))); break;
            case 2: text.append(QChar(char16_t(random.bounded(0x10000)))); break;
            default: text.append(QString::fromUcs4(std::array<char32_t, 1>{char32_t(0x10000 + random.bounded(0xfffff))}.data(), 1));
            }
        }
        const QJsonObject object{{text, text}, {u"n"_s, random.generateDouble() * std::pow(10.0, random.bounded(-20, 20))}};
        QCOMPARE(cortado::protocol::toCompactJson(object), qtBytes(object));
    }
}

void tst_Protocol::encodersWriteWhatQJsonObjectWould()
{
    using namespace cortado::protocol;
    const QJsonObject payload{{u"text"_s, u"hé \"there\""_s}, {u"n"_s, 3}};
    const auto document = [](const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); };
    QCOMPARE(encodeEvent(u"chat:message"_s, payload, u"lobby"_s, u"sock-1"_s, 7),
             document(QJsonObject{{u"event"_s, u"chat:message"_s}, {u"payload"_s, payload}, {u"room"_s, u"lobby"_s},
                                  {u"from"_s, u"sock-1"_s}, {u"offset"_s, 7}}));
    QCOMPARE(encodeEvent(u"system:welcome"_s, QJsonValue::Undefined, std::nullopt, QString(), std::nullopt),
             document(QJsonObject{{u"event"_s, u"system:welcome"_s}}));
    QCOMPARE(encodeAck(12, payload), document(QJsonObject{{u"event"_s, u"ack"_s}, {u"id"_s, 12}, {u"ok"_s, true}, {u"payload"_s, payload}}));
    QCOMPARE(encodeAck(u"req-1"_s), document(QJsonObject{{u"event"_s, u"ack"_s}, {u"id"_s, u"req-1"_s}, {u"ok"_s, true}}));
}

// Well-formed frames take simdjson's path (no JSON tree; the payload kept as compact bytes), the rest
// Qt's. A handler must not be able to tell which one read its frame: the same event, room, id and
// payload as QJsonDocument gives, and payloadJson is that payload as JSON.
void tst_Protocol::fastPathReadsWhatQtReads()
{
    const auto check = [](const QByteArray &frame) {
        const QJsonObject qt = QJsonDocument::fromJson(frame).object();
        const ParseResult result = parseEnvelope(frame);
        QVERIFY2(result.envelope, frame.constData());
        const Envelope &envelope = *result.envelope;
        QCOMPARE(envelope.event, qt.value("event"_L1).toString());
        const QJsonValue room = qt.value("room"_L1);
        QCOMPARE(envelope.room, room.isString() ? std::optional<QString>(room.toString()) : std::nullopt);
        QCOMPARE(envelope.id, qt.value("id"_L1));
        QCOMPARE(result.id, qt.value("id"_L1));
        QCOMPARE(envelope.payload(), qt.value("payload"_L1));
        if (qt.contains("payload"_L1)) {
            const QJsonValue reparsed = QJsonDocument::fromJson('[' + envelope.payloadJson + ']').array().at(0);
            QCOMPARE(reparsed, qt.value("payload"_L1));
            QVERIFY2(!envelope.payloadJson.contains('\n') && !envelope.payloadJson.contains(": "),
                     envelope.payloadJson.constData()); // compact
        } else {
            QVERIFY(envelope.payloadJson.isEmpty());
        }
    };
    const QList<QByteArray> corpus{
            R"({"event":"chat:send","room":"r1","payload":{"seq":1,"text":"hello"},"id":4711})",
            R"({"event":"a:b"})",
            R"({"id":"req-1","payload":null,"room":null,"event":"a:b"})",
            R"({ "event" : "a:b" ,"payload" : { "z" : [ 1 , 2.5 , -3e-5 , true , null ] , "a" : { } } })",
            R"({"event":"a:b","payload":{"b":1,"a":2,"b":3}})", // a repeated key: Qt's reading of it
            R"({"event":"a:b","payload":[12345678901234567890,9007199254740993,-9223372036854775808,1e21,0.1]})",
            R"({"event":"a:b","payload":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t\u0001"})",
            R"({"event":"a:b","payload":"\ud800 lone"})", // a lone surrogate escape: Qt's path
            "{\"event\":\"a:b\",\"payload\":\"h\xc3\xa9 \xf0\x9f\x98\x80\"}",
            R"({"event":"a:b","id":9007199254740991,"payload":"x"})",
            R"({"event":"a:b","id":1.0})", // an integral double: Qt's path, still an id
            R"({"event":"a:b","event":"c:d"})", // a repeated envelope key: Qt's path
            R"({"event":"a:b","payload":{"deep":[[[[[[[[[[{"x":[]}]]]]]]]]]]}})",
    };
    for (const QByteArray &frame : corpus)
        check(frame);

    QRandomGenerator random(20261129);
    for (int round = 0; round < 500; ++round) {
        QString text;
        for (int i = random.bounded(10); i > 0; --i)
            text.append(QChar(char16_t(random.bounded(1, 0xd800))));
        const QJsonObject payload{{text, text},
                                  {u"n"_s, random.generateDouble() * std::pow(10.0, random.bounded(-20, 20))},
                                  {u"i"_s, qint64(random.generate64() >> random.bounded(1, 63))},
                                  {u"list"_s, QJsonArray{text, round, QJsonObject{{u"k"_s, text}}}}};
        const QJsonObject envelope{{u"event"_s, u"chat:send"_s}, {u"room"_s, u"r"_s}, {u"id"_s, round},
                                   {u"payload"_s, payload}};
        for (const QJsonDocument::JsonFormat format : {QJsonDocument::Compact, QJsonDocument::Indented})
            check(QJsonDocument(envelope).toJson(format));
    }
}

static QJsonObject parsedObject(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

void tst_Protocol::jsonSchemaSubset_data()
{
    QTest::addColumn<QByteArray>("value"); // wrapped as {"v": value} so scalars can be given too
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QString>("error"); // empty: valid; ~ stands for a double quote

    const QByteArray message = R"({"type":"object","required":["text"],"additionalProperties":false,
        "properties":{"text":{"type":"string","minLength":1,"maxLength":5},
                      "tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":2},
                      "n":{"type":"integer","minimum":0,"maximum":9}}})";
    QTest::newRow("valid") << QByteArray(R"({"text":"hi","tags":["a"],"n":3})") << message << QString();
    QTest::newRow("missing required") << QByteArray(R"({"n":1})") << message << u"/: needs ~text~"_s;
    QTest::newRow("wrong type") << QByteArray(R"({"text":5})") << message << u"/text: must be string"_s;
    QTest::newRow("not an object") << QByteArray(R"("hi")") << message << u"/: must be object"_s;
    QTest::newRow("too short") << QByteArray(R"({"text":""})") << message << u"/text: needs at least 1 characters"_s;
    QTest::newRow("too long") << QByteArray(R"({"text":"toolong"})") << message << u"/text: takes at most 5 characters"_s;
    QTest::newRow("extra property") << QByteArray(R"({"text":"x","y":1})") << message << u"/: ~y~ is not allowed"_s;
    QTest::newRow("enum in items") << QByteArray(R"({"text":"x","tags":["c"]})") << message << u"/tags/0: must be one of ~a~, ~b~"_s;
    QTest::newRow("maxItems") << QByteArray(R"({"text":"x","tags":["a","b","a"]})") << message << u"/tags: takes at most 2 items"_s;
    QTest::newRow("integer") << QByteArray(R"({"text":"x","n":1.5})") << message << u"/n: must be integer"_s;
    QTest::newRow("maximum") << QByteArray(R"({"text":"x","n":10})") << message << u"/n: must be at most 9"_s;
    QTest::newRow("type list") << QByteArray("null") << QByteArray(R"({"type":["object","null"]})") << QString();
    QTest::newRow("pattern") << QByteArray(R"("ab1")") << QByteArray(R"({"pattern":"^[a-z]+$"})") << u"/: must match ^[a-z]+$"_s;
    QTest::newRow("empty schema accepts all") << QByteArray("[1,2]") << QByteArray("{}") << QString();
}

void tst_Protocol::jsonSchemaSubset()
{
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, schema);
    QFETCH(QString, error);
    error.replace(u'~', u'"');
    const QJsonObject parsedSchema = parsedObject(schema.constData());
    QCOMPARE(cortado::jsonschema::checkSchema(parsedSchema), QString());
    const QJsonValue parsed = QJsonDocument::fromJson('[' + value + ']').array().at(0);
    QVERIFY(!parsed.isUndefined());
    QCOMPARE(cortado::jsonschema::validate(parsed, parsedSchema), error);
}

void tst_Protocol::jsonSchemaRefusesWhatItWouldIgnore_data()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QString>("error"); // ~ stands for a double quote
    QTest::newRow("$ref") << QByteArray(R"({"$ref":"#/defs/x"})") << u"/: unsupported keyword ~$ref~"_s;
    QTest::newRow("nested format") << QByteArray(R"({"properties":{"at":{"type":"string","format":"date-time"}}})")
                                   << u"/properties/at: unsupported keyword ~format~"_s;
    QTest::newRow("unknown type") << QByteArray(R"({"type":"text"})") << u"/type: ~text~ is not a JSON type"_s;
    QTest::newRow("schema additionalProperties") << QByteArray(R"({"additionalProperties":{}})")
                                                 << u"/additionalProperties: only true or false are supported"_s;
    QTest::newRow("bad pattern") << QByteArray(R"({"pattern":"(("})") << u"/pattern: must be a valid regular expression"_s;
    QTest::newRow("negative length") << QByteArray(R"({"minLength":-1})") << u"/minLength: must be a non-negative integer"_s;
}

void tst_Protocol::jsonSchemaRefusesWhatItWouldIgnore()
{
    QFETCH(QByteArray, schema);
    QFETCH(QString, error);
    error.replace(u'~', u'"');
    QCOMPARE(cortado::jsonschema::checkSchema(parsedObject(schema.constData())), error);
}

#include "tst_protocol.moc"
