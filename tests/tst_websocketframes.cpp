// RFC 6455 at the byte level, against a real server: a raw TCP client does the handshake by hand
// and sends hand-built frames. Every refusal is checked together with a normal client that keeps
// being served by the same server.
#include "config/config.h"
#include "sanitizers.h"
#include "testserver.h"
#include "transport/websocketcodec.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QtEndian>

using namespace Qt::StringLiterals;
using cortado::websocket::Opcode;

namespace {

constexpr QByteArrayView ValidKey = "dGhlIHNhbXBsZSBub25jZQ==";

struct ServerFrame
{
    quint8 opcode = 0;
    QByteArray payload;
    int closeCode() const { return payload.size() >= 2 ? qFromBigEndian<quint16>(payload.constData()) : 1005; }
};

// A WebSocket client made of a QTcpSocket and hand-built frames. It reads (and answers pings,
// unless told not to) whenever the event loop runs, like a real client; waits spin the event loop,
// since the server under test lives in the same thread.
class RawClient
{
public:
    RawClient()
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_context, [this] { pump(); });
    }

    // Connects and sends an upgrade request; returns the HTTP status of the answer (0: none).
    int handshake(quint16 port, const QByteArray &path = "/chat", const QByteArray &extraHeaders = {},
                  QByteArrayView key = ValidKey, QByteArrayView version = "13")
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        if (!QTest::qWaitFor([&] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 5000))
            return 0;
        m_socket.write("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: " + key.toByteArray()
                       + "\r\nSec-WebSocket-Version: " + version.toByteArray() + "\r\n" + extraHeaders
                       + "\r\n");
        (void)QTest::qWaitFor([&] {
            return !responseHead.isEmpty() || m_socket.state() != QAbstractSocket::ConnectedState;
        }, 5000);
        return responseHead.mid(9, 3).toInt();
    }

    // A header line of the handshake answer ("" when absent).
    QByteArray responseHeader(QByteArrayView name) const
    {
        for (const QByteArray &line : responseHead.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }

    // A client frame; `masked` false and `rsv` set make the bad ones.
    static QByteArray frame(quint8 opcode, QByteArrayView payload, bool fin = true, bool masked = true,
                            quint8 rsv = 0)
    {
        QByteArray out;
        out.append(char((fin ? 0x80 : 0) | (rsv << 4) | opcode));
        const quint8 maskBit = masked ? 0x80 : 0;
        if (payload.size() < 126) {
            out.append(char(maskBit | payload.size()));
        } else if (payload.size() <= 0xFFFF) {
            out.append(char(maskBit | 126));
            char length[2];
            qToBigEndian<quint16>(quint16(payload.size()), length);
            out.append(length, 2);
        } else {
            out.append(char(maskBit | 127));
            char length[8];
            qToBigEndian<quint64>(quint64(payload.size()), length);
            out.append(length, 8);
        }
        const char mask[4] = {'\x12', '\x34', '\x56', '\x78'};
        if (masked)
            out.append(mask, 4);
        for (qsizetype i = 0; i < payload.size(); ++i)
            out.append(masked ? char(payload[i] ^ mask[i % 4]) : payload[i]);
        return out;
    }
    static QByteArray closePayload(quint16 code, QByteArrayView reason = {})
    {
        char bytes[2];
        qToBigEndian<quint16>(code, bytes);
        return QByteArray(bytes, 2) + reason.toByteArray();
    }

    void send(const QByteArray &bytes) { m_socket.write(bytes); }
    void sendFrame(quint8 opcode, QByteArrayView payload, bool fin = true)
    {
        send(frame(opcode, payload, fin));
    }
    void sendText(QByteArrayView utf8) { sendFrame(quint8(Opcode::Text), utf8); }

    // From now on nothing is read: Qt stops taking bytes from the kernel once this small buffer
    // is full, so the kernel's buffers fill and then the server's queue grows.
    void stopReading()
    {
        m_reading = false;
        m_socket.setReadBufferSize(1024);
    }
    void resumeReading()
    {
        m_reading = true;
        m_socket.setReadBufferSize(0);
        pump();
    }
    // Text frames received so far (whether or not taken with nextFrame()).
    qsizetype textFrames() const { return m_textFrames; }

    // The next server frame (pings already answered are not returned unless answerPings is off).
    std::optional<ServerFrame> nextFrame(int timeoutMs = 5000)
    {
        (void)QTest::qWaitFor([&] {
            return !m_frames.isEmpty() || m_socket.state() != QAbstractSocket::ConnectedState;
        }, timeoutMs);
        pump();
        if (m_frames.isEmpty())
            return std::nullopt;
        return m_frames.takeFirst();
    }
    // Skips frames until a close frame; its code, or -1 when TCP ended (or time ran out) first.
    int waitForClose(int timeoutMs = 5000)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            const std::optional<ServerFrame> frame = nextFrame(int(timeoutMs - timer.elapsed()));
            if (!frame)
                return -1;
            if (frame->opcode == quint8(Opcode::Close))
                return frame->closeCode();
        }
        return -1;
    }
    // The next text message's event name.
    QString nextEvent(int timeoutMs = 5000)
    {
        while (std::optional<ServerFrame> frame = nextFrame(timeoutMs)) {
            if (frame->opcode == quint8(Opcode::Text))
                return QJsonDocument::fromJson(frame->payload).object().value("event"_L1).toString();
        }
        return {};
    }
    // Skips text messages until one with `event` (empty object when none came).
    QJsonObject waitForEvent(const QString &event, int timeoutMs = 5000)
    {
        while (std::optional<ServerFrame> frame = nextFrame(timeoutMs)) {
            const QJsonObject object = QJsonDocument::fromJson(frame->payload).object();
            if (frame->opcode == quint8(Opcode::Text) && object.value("event"_L1).toString() == event)
                return object;
        }
        return {};
    }
    bool waitForDisconnected(int timeoutMs = 5000)
    {
        return QTest::qWaitFor([&] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                               timeoutMs);
    }

    QTcpSocket &socket() { return m_socket; }
    QByteArray responseHead;
    bool answerPings = true;

private:
    void pump()
    {
        if (!m_reading)
            return;
        m_buffer += m_socket.readAll();
        if (responseHead.isEmpty()) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            responseHead = m_buffer.left(end + 2);
            m_buffer.remove(0, end + 4);
        }
        while (std::optional<ServerFrame> frame = parse()) {
            if (frame->opcode == quint8(Opcode::Text))
                ++m_textFrames;
            if (frame->opcode == quint8(Opcode::Ping) && answerPings)
                sendFrame(quint8(Opcode::Pong), frame->payload);
            else if (m_frames.size() < 100) // a flood's answers are counted, not kept
                m_frames.append(*frame);
        }
        m_buffer.remove(0, std::exchange(m_offset, 0));
    }

    std::optional<ServerFrame> parse()
    {
        const qsizetype available = m_buffer.size() - m_offset;
        if (available < 2)
            return std::nullopt;
        const auto *p = reinterpret_cast<const uchar *>(m_buffer.constData()) + m_offset;
        qsizetype header = 2;
        quint64 length = p[1] & 0x7F;
        if (length == 126) {
            if (available < 4)
                return std::nullopt;
            length = qFromBigEndian<quint16>(p + 2);
            header = 4;
        } else if (length == 127) {
            if (available < 10)
                return std::nullopt;
            length = qFromBigEndian<quint64>(p + 2);
            header = 10;
        }
        if (quint64(available) < header + length)
            return std::nullopt;
        ServerFrame frame{quint8(p[0] & 0x0F), m_buffer.mid(m_offset + header, qsizetype(length))};
        m_offset += header + qsizetype(length);
        return frame;
    }

    QTcpSocket m_socket;
    QObject m_context;
    QByteArray m_buffer;
    qsizetype m_offset = 0; // parsed up to here
    QList<ServerFrame> m_frames;
    qsizetype m_textFrames = 0;
    bool m_reading = true;
};

QByteArray joinFrame(const QByteArray &room, int id = 1)
{
    return R"({"event":"room:join","room":")" + room + R"(","id":)" + QByteArray::number(id) + "}";
}

// The normal client on the same server is still served: a request gets its ack.
bool stillServed(TestClient &client)
{
    return client.isConnected()
            && client.request(u"room:join"_s, {}, u"still-served"_s).ok();
}

} // namespace

class tst_WebSocketFrames : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void handshakeAnswers101WithAccept();
    void badHandshakeIsRefused_data();
    void badHandshakeIsRefused();
    void subprotocolIsEchoedButNeverTheBearerToken();
    void badFramesCloseWithTheirCode_data();
    void badFramesCloseWithTheirCode();
    void fragmentedMessageIsReassembled();
    void continuationFloodClosesWith1008();
    void unfinishedMessageClosesWith1008AfterTheTimeCap();
    void oversizeIsRefusedFromTheHeader();
    void pingIsAnsweredWithItsPayload();
    void pingFloodClosesWith1008();
    void closeHandshakeEchoesTheCode();
    void droppedTcpIsReportedAs1006();
    void slowConsumerIsClosedWith4101AndOthersKeepEverything();
    void floodingClientThatDoesNotReadIsThrottledNotBuffered_data();
    void floodingClientThatDoesNotReadIsThrottledNotBuffered();
    void pausedSocketIsNotReadUntilResumed();
    void socketsOnEveryIoThreadShareRoomsAndCloses();
    void silentSocketIsClosedWith4103();
    void decoderRulesHoldForSplitInput();
    void limitsComeFromTheEnvironment();
    void randomBytesNeverCrashOrGrowTheDecoder();
};

void tst_WebSocketFrames::handshakeAnswers101WithAccept()
{
    ExampleServer server;
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    // The RFC 6455 example key and its answer.
    QCOMPARE(raw.responseHeader("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    raw.sendText(joinFrame("lobby"));
    QVERIFY(!raw.waitForEvent(u"ack"_s).isEmpty());
}

void tst_WebSocketFrames::badHandshakeIsRefused_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<int>("status");
    QTest::newRow("key not base64") << QByteArray("not a key at all!!!!!!!!") << QByteArray("13") << 400;
    QTest::newRow("key of 15 bytes") << QByteArray("AAAAAAAAAAAAAAAAAAAA") << QByteArray("13") << 400;
    QTest::newRow("no key") << QByteArray() << QByteArray("13") << 400;
    QTest::newRow("version 8") << ValidKey.toByteArray() << QByteArray("8") << 426;
}

void tst_WebSocketFrames::badHandshakeIsRefused()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, version);
    QFETCH(int, status);
    ExampleServer server;
    auto normal = server.client(u"/chat"_s);
    QVERIFY(normal);
    RawClient raw;
    QCOMPARE(raw.handshake(server.port(), "/chat", {}, key, version), status);
    if (status == 426)
        QCOMPARE(raw.responseHeader("Sec-WebSocket-Version"), "13");
    QVERIFY(raw.waitForDisconnected());
    QCOMPARE(server.hub().sessionCount(), 1);
    QVERIFY(stillServed(*normal));
}

void tst_WebSocketFrames::subprotocolIsEchoedButNeverTheBearerToken()
{
    ExampleServer server;
    const QByteArray bearer = "cortado.bearer." + TestServer::token(u"alice"_s);
    RawClient both;
    QCOMPARE(both.handshake(server.port(), "/chat", "Sec-WebSocket-Protocol: " + bearer + ", cortado.v1\r\n"), 101);
    QCOMPARE(both.responseHeader("Sec-WebSocket-Protocol"), "cortado.v1");
    QVERIFY(!both.responseHead.contains("bearer"));

    RawClient bearerOnly;
    QCOMPARE(bearerOnly.handshake(server.port(), "/chat", "Sec-WebSocket-Protocol: " + bearer + "\r\n"), 101);
    QVERIFY(!bearerOnly.responseHead.contains("Sec-WebSocket-Protocol"));
    QCOMPARE(bearerOnly.nextEvent(), u"system:welcome"_s);
}

void tst_WebSocketFrames::badFramesCloseWithTheirCode_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    const auto text = quint8(Opcode::Text);
    const auto continuation = quint8(Opcode::Continuation);
    QTest::newRow("unmasked") << RawClient::frame(text, joinFrame("a"), true, false) << 1002;
    QTest::newRow("rsv1 without extension") << RawClient::frame(text, joinFrame("a"), true, true, 4) << 1002;
    QTest::newRow("rsv3") << RawClient::frame(text, "{}", true, true, 1) << 1002;
    QTest::newRow("opcode 3") << RawClient::frame(3, "{}") << 1002;
    QTest::newRow("opcode 0xB") << RawClient::frame(0xB, "") << 1002;
    QTest::newRow("ping of 126 bytes") << RawClient::frame(quint8(Opcode::Ping), QByteArray(126, 'p')) << 1002;
    QTest::newRow("fragmented ping") << RawClient::frame(quint8(Opcode::Ping), "p", false) << 1002;
    QTest::newRow("continuation first") << RawClient::frame(continuation, "{}") << 1002;
    QTest::newRow("text inside a fragmented message")
            << RawClient::frame(text, "{", false) + RawClient::frame(text, "{}") << 1002;
    QTest::newRow("64-bit length with the high bit")
            << QByteArray::fromHex("81ff8000000000000001") + "mask" << 1002;
    QTest::newRow("close with 1 byte") << RawClient::frame(quint8(Opcode::Close), "x") << 1002;
    QTest::newRow("close code 1005") << RawClient::frame(quint8(Opcode::Close), RawClient::closePayload(1005)) << 1002;
    QTest::newRow("close code 999") << RawClient::frame(quint8(Opcode::Close), RawClient::closePayload(999)) << 1002;
    QTest::newRow("close code 5000") << RawClient::frame(quint8(Opcode::Close), RawClient::closePayload(5000)) << 1002;
    QTest::newRow("invalid UTF-8 text") << RawClient::frame(text, "{\"event\":\"\xC3\x28\"}") << 1007;
    QTest::newRow("surrogate in text") << RawClient::frame(text, "\xED\xA0\x80") << 1007;
    QTest::newRow("overlong in text") << RawClient::frame(text, "\xC0\xAF") << 1007;
    QTest::newRow("invalid UTF-8 split over fragments")
            << RawClient::frame(text, "ok \xF0\x9F", false) + RawClient::frame(continuation, "\x98") << 1007;
    QTest::newRow("invalid UTF-8 close reason")
            << RawClient::frame(quint8(Opcode::Close), RawClient::closePayload(1000, "\xFF")) << 1007;
}

void tst_WebSocketFrames::badFramesCloseWithTheirCode()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    ExampleServer server;
    auto normal = server.client(u"/chat"_s);
    QVERIFY(normal);
    QSignalSpy disconnected(&server.hub(), &cortado::Hub::disconnected);
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    raw.send(bytes);
    QCOMPARE(raw.waitForClose(), code);
    QVERIFY(raw.waitForDisconnected());
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(1).toInt(), code);
    QVERIFY(stillServed(*normal));
}

void tst_WebSocketFrames::fragmentedMessageIsReassembled()
{
    ExampleServer server;
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    // "é" split across two fragments, and a ping between fragments (control frames may interleave).
    const QByteArray message = joinFrame("caf\xC3\xA9", 7);
    const qsizetype split = message.indexOf("\xC3") + 1;
    raw.sendFrame(quint8(Opcode::Text), message.left(5), false);
    raw.sendFrame(quint8(Opcode::Continuation), message.mid(5, split - 5), false);
    raw.sendFrame(quint8(Opcode::Ping), "between");
    raw.sendFrame(quint8(Opcode::Continuation), message.mid(split), true);
    raw.answerPings = false;
    const std::optional<ServerFrame> pong = raw.nextFrame();
    QVERIFY(pong);
    QCOMPARE(pong->opcode, quint8(Opcode::Pong));
    QCOMPARE(pong->payload, "between");
    const QJsonObject object = raw.waitForEvent(u"ack"_s);
    QCOMPARE(object.value("id"_L1).toInt(), 7);
    QCOMPARE(object.value("ok"_L1), true); // the raw frame, as the wire carried it
    QVERIFY(server.hub().room(u"/chat"_s, u"café"_s));
}

void tst_WebSocketFrames::continuationFloodClosesWith1008()
{
    cortado::ServerConfig config;
    config.webSocket.maxFragments = 100;
    ExampleServer server(config);
    auto normal = server.client(u"/chat"_s);
    QVERIFY(normal);
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    // 100 fragments are allowed (and the message completes); the 101st of the next one is not.
    QByteArray allowed = RawClient::frame(quint8(Opcode::Text), joinFrame("f", 1).left(1), false);
    for (int i = 0; i < 98; ++i)
        allowed += RawClient::frame(quint8(Opcode::Continuation), "", false);
    allowed += RawClient::frame(quint8(Opcode::Continuation), joinFrame("f", 1).mid(1), true);
    raw.send(allowed);
    QVERIFY(!raw.waitForEvent(u"ack"_s).isEmpty());

    QByteArray flood = RawClient::frame(quint8(Opcode::Text), "", false);
    for (int i = 0; i < 10'000; ++i)
        flood += RawClient::frame(quint8(Opcode::Continuation), "", false);
    raw.send(flood);
    QCOMPARE(raw.waitForClose(), 1008);
    QVERIFY(stillServed(*normal));
}

void tst_WebSocketFrames::unfinishedMessageClosesWith1008AfterTheTimeCap()
{
    cortado::ServerConfig config;
    config.webSocket.fragmentTimeoutMs = 300;
    config.webSocket.pingIntervalMs = 100; // the sweep also finds messages left unfinished
    ExampleServer server(config);
    auto normal = server.client(u"/chat"_s);
    QVERIFY(normal);
    RawClient raw; // answers pings, so only the time cap can close it
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    QElapsedTimer timer;
    timer.start();
    raw.sendFrame(quint8(Opcode::Text), "{", false);
    QCOMPARE(raw.waitForClose(), 1008);
    QVERIFY2(timer.elapsed() >= 300, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(stillServed(*normal));
}

void tst_WebSocketFrames::oversizeIsRefusedFromTheHeader()
{
    ExampleServer server;
    auto normal = server.client(u"/chat"_s);
    QVERIFY(normal);
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    // Only the header of a 1 GiB text frame: the answer must not wait for the body.
    raw.send(QByteArray::fromHex("81ff0000000040000000") + "mask");
    QCOMPARE(raw.waitForClose(), 1009);

    // Fragments count together: two 40 KiB fragments exceed 64 KiB.
    RawClient fragmented;
    QCOMPARE(fragmented.handshake(server.port()), 101);
    QCOMPARE(fragmented.nextEvent(), u"system:welcome"_s);
    fragmented.sendFrame(quint8(Opcode::Text), QByteArray(40 * 1024, ' '), false);
    fragmented.sendFrame(quint8(Opcode::Continuation), QByteArray(40 * 1024, ' '), true);
    QCOMPARE(fragmented.waitForClose(), 1009);
    QVERIFY(stillServed(*normal));
}

void tst_WebSocketFrames::pingIsAnsweredWithItsPayload()
{
    ExampleServer server;
    RawClient raw;
    raw.answerPings = false;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    raw.sendFrame(quint8(Opcode::Ping), "hello \x01\x02");
    const std::optional<ServerFrame> pong = raw.nextFrame();
    QVERIFY(pong);
    QCOMPARE(pong->opcode, quint8(Opcode::Pong));
    QCOMPARE(pong->payload, "hello \x01\x02");
    raw.sendFrame(quint8(Opcode::Ping), "");
    QCOMPARE(raw.nextFrame()->opcode, quint8(Opcode::Pong));
}

void tst_WebSocketFrames::pingFloodClosesWith1008()
{
    ExampleServer server; // default: 10 pings per second
    auto normal = server.client(u"/chat"_s);
    QVERIFY(normal);
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    QByteArray pings;
    for (int i = 0; i < 200; ++i)
        pings += RawClient::frame(quint8(Opcode::Ping), QByteArray::number(i));
    raw.send(pings);
    raw.answerPings = false;
    int pongs = 0;
    int closeCode = -1;
    while (const std::optional<ServerFrame> frame = raw.nextFrame()) {
        if (frame->opcode == quint8(Opcode::Close)) {
            closeCode = frame->closeCode();
            break;
        }
        QCOMPARE(frame->opcode, quint8(Opcode::Pong));
        ++pongs;
    }
    QCOMPARE(closeCode, 1008);
    QVERIFY2(pongs <= 10, qPrintable(QString::number(pongs)));
    QVERIFY(stillServed(*normal));
}

void tst_WebSocketFrames::closeHandshakeEchoesTheCode()
{
    ExampleServer server;
    QSignalSpy disconnected(&server.hub(), &cortado::Hub::disconnected);
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    raw.sendFrame(quint8(Opcode::Close), RawClient::closePayload(4000, "bye"));
    QCOMPARE(raw.waitForClose(), 4000);
    QVERIFY(raw.waitForDisconnected()); // the server closes TCP first
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(1).toInt(), 4000);
}

void tst_WebSocketFrames::droppedTcpIsReportedAs1006()
{
    ExampleServer server;
    QSignalSpy disconnected(&server.hub(), &cortado::Hub::disconnected);
    RawClient raw;
    QCOMPARE(raw.handshake(server.port()), 101);
    QCOMPARE(raw.nextEvent(), u"system:welcome"_s);
    raw.socket().abort();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(1).toInt(), 1006);
}

void tst_WebSocketFrames::slowConsumerIsClosedWith4101AndOthersKeepEverything()
{
    cortado::ServerConfig config;
    config.webSocket.maxQueuedBytes = 256 * 1024;
    config.webSocket.closeTimeoutMs = 100; // the slow member does not read: its close handshake times out
    ExampleServer server(config);
    QSignalSpy disconnected(&server.hub(), &cortado::Hub::disconnected);
    auto reader = server.client(u"/chat"_s);
    QVERIFY(reader);
    QVERIFY(reader->join(u"r"_s).ok());

    RawClient slow;
    QCOMPARE(slow.handshake(server.port()), 101);
    QCOMPARE(slow.nextEvent(), u"system:welcome"_s);
    slow.sendText(joinFrame("r"));
    QVERIFY(!slow.waitForEvent(u"ack"_s).isEmpty());
    slow.stopReading();
    QString slowId;
    for (const cortado::Session *member : server.hub().members(u"/chat"_s, u"r"_s)) {
        if (member->id() != reader->socketId())
            slowId = member->id();
    }
    QVERIFY(!slowId.isEmpty());

    cortado::Message message;
    message.event = u"chat:message"_s;
    message.payload = QString(8 * 1024, u'x');
    message.room = u"r"_s;
    const qint64 limit = config.webSocket.maxQueuedBytes;
    qint64 largestQueue = 0;
    int sent = 0;
    // Until the slow member is gone. Not until its queue shrinks: while the kernel's socket buffers
    // still take bytes, a queue that grew while the I/O thread lagged (a loaded machine) drains
    // without any close, and stopping then would leave it open for good.
    while (server.hub().session(slowId) && sent < 20'000) {
        server.hub().send(cortado::Target::room(u"/chat"_s, u"r"_s), message);
        ++sent;
        largestQueue = qMax(largestQueue, server.hub().queuedBytes(slowId));
        QCoreApplication::processEvents(); // the reader reads, the server writes
    }
    QTRY_VERIFY_WITH_TIMEOUT(!server.hub().session(slowId), 20'000);
    QVERIFY2(sent < 20'000, "the slow member was never closed");
    // Bounded: never more than the limit plus the one message that crossed it.
    QVERIFY2(largestQueue <= limit + 8 * 1024 + 64, qPrintable(QString::number(largestQueue)));
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(1).toInt(), 4101);
    // The reader got every message, in full.
    QVERIFY(reader->waitFor(u"chat:message"_s, sent, 20'000));
    QVERIFY(stillServed(*reader));
}

void tst_WebSocketFrames::floodingClientThatDoesNotReadIsThrottledNotBuffered_data()
{
    QTest::addColumn<int>("ioThreads");
    QTest::newRow("flooder on the hub's thread") << 1;
    QTest::newRow("flooder on an I/O thread") << 2; // the second socket goes to loop 1
}

void tst_WebSocketFrames::floodingClientThatDoesNotReadIsThrottledNotBuffered()
{
    QFETCH(int, ioThreads);
    if (UnderSanitizer && ioThreads > 1)
        QSKIP("under ASan the cross-thread hand-offs are too slow to fill the kernel's buffers in time");
    cortado::ServerConfig config;
    config.ioThreads = ioThreads;
    config.webSocket.maxQueuedBytes = 64 * 1024;
    // Back-pressure, not the rate limits (tst_ratelimits), is under test here.
    config.limits.eventsPerSocket = {};
    config.limits.guestEventsPerAddress = {};
    ExampleServer server(config);
    auto normal = server.client(u"/chat"_s);
    QVERIFY(normal);
    RawClient flooder;
    QCOMPARE(flooder.handshake(server.port()), 101);
    const QString id = flooder.waitForEvent(u"system:welcome"_s)
                               .value("payload"_L1).toObject().value("socketId"_L1).toString();
    QVERIFY(server.hub().session(id));
    flooder.stopReading();

    // Requests whose answers (error acks) pile up unread: once the server holds half its limit
    // for this socket it stops reading it, and the flood waits in the kernel and on our side.
    const QByteArray request = RawClient::frame(quint8(Opcode::Text), R"({"event":"no:such","id":1})");
    const qint64 limit = config.webSocket.maxQueuedBytes;
    qint64 largestQueue = 0;
    qsizetype sent = 0;
    bool throttled = false;
    QElapsedTimer timer;
    timer.start();
    while (!throttled && sent < 1'000'000) {
        flooder.send(request.repeated(1000));
        sent += 1000;
        // The server's threads hand messages and answers to each other: give them time, not
        // just a few passes of this thread's loop.
        QElapsedTimer pump;
        pump.start();
        while (pump.elapsed() < 2)
            QCoreApplication::processEvents();
        largestQueue = qMax(largestQueue, server.hub().queuedBytes(id));
        throttled = server.hub().queuedBytes(id) > limit / 4 && flooder.socket().bytesToWrite() > 1024 * 1024;
    }
    qInfo() << "throttled after" << sent << "requests," << timer.elapsed() << "ms";
    QVERIFY2(throttled, qPrintable(u"%1 requests sent, server queue %2"_s.arg(sent).arg(server.hub().queuedBytes(id))));
    // The server keeps serving others meanwhile, and keeps the flooder paused: its queue stays
    // at about half the limit (plus the answer that crossed it), it is not closed.
    for (int i = 0; i < 5; ++i) {
        QVERIFY(stillServed(*normal));
        largestQueue = qMax(largestQueue, server.hub().queuedBytes(id));
    }
    // On an I/O thread, the answers to the messages already handed to the hub's thread come on top
    // (at most 17 small ones: SocketLink::maxInFlightBytes()).
    QVERIFY2(largestQueue <= limit / 2 + 17 * 256, qPrintable(QString::number(largestQueue)));
    QVERIFY(server.hub().session(id));

    // Reading again lets everything through: every request gets its answer, nothing was lost.
    flooder.resumeReading();
    // Pumped without QTRY's 10 ms naps (the server's loop runs in this thread), for as long as
    // answers keep coming: a stall fails, a slow (sanitizer) build does not.
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    auto answered = flooder.textFrames();
    while (flooder.textFrames() < sent + 1 && sinceProgress.elapsed() < scaledTimeout(10'000)) {
        QCoreApplication::processEvents();
        if (flooder.textFrames() != answered) {
            answered = flooder.textFrames();
            sinceProgress.restart();
        }
    }
    QCOMPARE(flooder.textFrames(), sent + 1); // + the welcome
    QVERIFY(server.hub().session(id));
}

void tst_WebSocketFrames::pausedSocketIsNotReadUntilResumed()
{
    ExampleServer server;
    auto paused = server.client(u"/chat"_s);
    auto other = server.client(u"/chat"_s);
    QVERIFY(paused && other);
    cortado::WebSocketFrontend &webSockets = server.server().webSockets();
    QVERIFY(webSockets.setReadingPaused(paused->socketId(), true));
    QVERIFY(webSockets.isReadingPaused(paused->socketId()));
    paused->send(u"room:join"_s, {}, u"p"_s);
    // Fence: two round trips of another socket on the same server; the paused join stays unread.
    QVERIFY(stillServed(*other));
    QVERIFY(stillServed(*other));
    QVERIFY(!server.hub().session(paused->socketId())->isInRoom(u"p"_s));
    QVERIFY(webSockets.setReadingPaused(paused->socketId(), false));
    QTRY_VERIFY(server.hub().session(paused->socketId())->isInRoom(u"p"_s));
    QVERIFY(stillServed(*paused));
}

void tst_WebSocketFrames::socketsOnEveryIoThreadShareRoomsAndCloses()
{
    cortado::ServerConfig config;
    config.ioThreads = 3; // the hub's thread and two I/O threads
    ExampleServer server(config);
    QCOMPARE(server.server().webSockets().ioThreads(), 3);
    std::vector<std::unique_ptr<cortado::test::TestClient>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(server.client(u"/chat"_s));
        QVERIFY(clients.back());
    }
    // Round robin: two sockets on each loop.
    QCOMPARE(server.server().webSockets().connectionsPerLoop(), (QList<int>{2, 2, 2}));
    for (auto &client : clients)
        QVERIFY(client->join(u"threads"_s).ok());

    // A message from a socket on one thread reaches every member on every thread, in order.
    for (int round = 0; round < 3; ++round) {
        const auto sender = size_t(round * 2 + 1); // on loops 1, 0 and 2 in turn
        const QString text = u"round %1"_s.arg(round);
        const auto reply = clients[sender]->request(u"chat:send"_s, QJsonObject{{u"text"_s, text}}, u"threads"_s);
        QVERIFY(reply.ok());
        for (auto &client : clients)
            QCOMPARE(client->expectPush(u"chat:message"_s).value("payload"_L1).toObject().value("text"_L1).toString(), text);
    }

    // The hub closes a socket on an I/O thread: the client gets the code, the hub hears the end,
    // and the socket's loop lets it go.
    QSignalSpy disconnected(&server.hub(), &cortado::Hub::disconnected);
    QVERIFY(server.hub().disconnect(clients[1]->socketId(), 4000, u"bye"_s));
    QVERIFY(clients[1]->waitForDisconnected());
    QCOMPARE(clients[1]->closeCode(), 4000);
    QTRY_COMPARE(disconnected.size(), 1);
    QTRY_COMPARE(server.server().webSockets().connectionsPerLoop(), (QList<int>{2, 1, 2}));
    // A client that drops TCP on an I/O thread is reported as 1006.
    RawClient onHubThread, onIoThread; // round robin goes on: loops 0 and 1
    QCOMPARE(onHubThread.handshake(server.port()), 101);
    QCOMPARE(onHubThread.nextEvent(), u"system:welcome"_s);
    QCOMPARE(onIoThread.handshake(server.port()), 101);
    QCOMPARE(onIoThread.nextEvent(), u"system:welcome"_s);
    QTRY_COMPARE(server.server().webSockets().connectionsPerLoop(), (QList<int>{3, 2, 2}));
    onIoThread.socket().abort();
    QTRY_COMPARE(disconnected.size(), 2);
    QCOMPARE(disconnected.last().at(1).toInt(), 1006);
    QTRY_COMPARE(server.server().webSockets().connectionsPerLoop(), (QList<int>{3, 1, 2}));
    QCOMPARE(server.server().webSockets().connectionCount(), 6);
}

void tst_WebSocketFrames::silentSocketIsClosedWith4103()
{
    cortado::ServerConfig config;
    config.webSocket.pingIntervalMs = 200;
    config.webSocket.closeTimeoutMs = 300;
    ExampleServer server(config);
    QSignalSpy disconnected(&server.hub(), &cortado::Hub::disconnected);
    auto qtClient = server.client(u"/chat"_s); // QWebSocket answers pings by itself
    QVERIFY(qtClient);
    auto console = server.client(u"/_admin"_s, u"ops"_s, {u"admin"_s}); // operators see why
    QVERIFY(console);
    RawClient answering; // answers pings, sends nothing else
    QCOMPARE(answering.handshake(server.port()), 101);
    QCOMPARE(answering.nextEvent(), u"system:welcome"_s);
    RawClient silent;
    silent.answerPings = false;
    QCOMPARE(silent.handshake(server.port()), 101);
    QCOMPARE(silent.nextEvent(), u"system:welcome"_s);

    QElapsedTimer timer;
    timer.start();
    QCOMPARE(silent.waitForClose(), 4103);
    // Two sweeps: one ping, then the close (the rest is slack for a busy machine).
    QVERIFY2(timer.elapsed() < scaledTimeout(3 * 200 + 300), qPrintable(QString::number(timer.elapsed())));
    QVERIFY(silent.waitForDisconnected());
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.first().at(1).toInt(), 4103);
    QVERIFY(console->waitFor(u"admin:socket_closed"_s));
    QCOMPARE(console->received(u"admin:socket_closed"_s).last().value("payload"_L1).toObject()
                     .value("code"_L1).toInt(), 4103);

    // Fence: the others lived through the same sweeps (and more), and are still served.
    answering.sendText(joinFrame("alive", 2));
    QVERIFY(!answering.waitForEvent(u"ack"_s).isEmpty());
    QVERIFY(stillServed(*qtClient));
    QCOMPARE(disconnected.size(), 1);
}

void tst_WebSocketFrames::decoderRulesHoldForSplitInput()
{
    // The same frames fed one byte at a time decode to the same messages.
    using namespace cortado::websocket;
    const QByteArray bytes = RawClient::frame(quint8(Opcode::Text), "hel", false)
            + RawClient::frame(quint8(Opcode::Ping), "p")
            + RawClient::frame(quint8(Opcode::Continuation), "lo \xE2\x82\xAC", true)
            + RawClient::frame(quint8(Opcode::Binary), QByteArray(70'000, 'b').left(60'000))
            + RawClient::frame(quint8(Opcode::Close), RawClient::closePayload(1000, "done"));
    FrameDecoder decoder;
    QList<DecodedFrame> frames;
    for (char byte : bytes) {
        decoder.append(QByteArrayView(&byte, 1));
        for (DecodedFrame frame = decoder.next(); frame.kind != DecodedFrame::Kind::NeedMore;
             frame = decoder.next())
            frames.append(frame);
    }
    QCOMPARE(frames.size(), 4);
    QCOMPARE(frames[0].kind, DecodedFrame::Kind::Ping);
    QCOMPARE(frames[1].kind, DecodedFrame::Kind::Text);
    QCOMPARE(frames[1].payload, "hello \xE2\x82\xAC");
    QCOMPARE(frames[2].kind, DecodedFrame::Kind::Binary);
    QCOMPARE(frames[2].payload.size(), 60'000);
    QCOMPARE(frames[3].kind, DecodedFrame::Kind::Close);
    QCOMPARE(frames[3].code, 1000);
    QCOMPARE(frames[3].reason, u"done"_s);
    QVERIFY(decoder.bufferedBytes() == 0);

    // Server frames: length forms and a close reason cut at a character boundary.
    QCOMPARE(encodeText("hi"), QByteArray("\x81\x02hi"));
    QCOMPARE(encodeText(QByteArray(300, 'a')).left(4), QByteArray("\x81\x7E\x01\x2C"));
    QCOMPARE(encodeText(QByteArray(70'000, 'a')).left(2), QByteArray("\x81\x7F"));
    const QByteArray close = encodeClose(4101, QString(100, u'é'));
    QVERIFY(close.size() <= 2 + 125);
    QVERIFY(isValidUtf8(QByteArrayView(close).sliced(4)));
}

void tst_WebSocketFrames::limitsComeFromTheEnvironment()
{
    const QList<QPair<const char *, QByteArray>> variables{
            {"CORTADO_MAX_QUEUED_BYTES", "65536"}, {"CORTADO_MAX_PINGS_PER_SECOND", "3"},
            {"CORTADO_MAX_FRAGMENTS", "16"},       {"CORTADO_FRAGMENT_TIMEOUT", "2"},
            {"CORTADO_PING_INTERVAL", "0"},        {"CORTADO_CLOSE_TIMEOUT", "7"}};
    QProcessEnvironment environment;
    for (const auto &[name, value] : variables)
        environment.insert(QString::fromLatin1(name), QString::fromLatin1(value));
    QString error;
    const std::optional<cortado::Config> parsed = cortado::Config::fromEnvironment(environment, &error);
    QVERIFY2(parsed, qPrintable(error));
    const cortado::ServerConfig &config = parsed->server;
    QCOMPARE(config.webSocket.maxQueuedBytes, 65536);
    QCOMPARE(config.webSocket.maxPingsPerSecond, 3);
    QCOMPARE(config.webSocket.maxFragments, 16);
    QCOMPARE(config.webSocket.fragmentTimeoutMs, 2000);
    QCOMPARE(config.webSocket.pingIntervalMs, 0);
    QCOMPARE(config.webSocket.closeTimeoutMs, 7000);

    environment.insert(u"CORTADO_MAX_PINGS_PER_SECOND"_s, u"0"_s); // at least one
    QVERIFY(!cortado::Config::fromEnvironment(environment, &error));
    QVERIFY(error.contains("CORTADO_MAX_PINGS_PER_SECOND"_L1));

    const cortado::WebSocketLimits defaults;
    QCOMPARE(cortado::Config::fromEnvironment({}, &error)->server.webSocket.pingIntervalMs, defaults.pingIntervalMs);
    QCOMPARE(defaults.maxQueuedBytes, 1024 * 1024);
    QCOMPARE(defaults.pingIntervalMs, 25'000);
}

void tst_WebSocketFrames::randomBytesNeverCrashOrGrowTheDecoder()
{
    // A poor man's fuzzer with a fixed seed: random frames (mostly masked, with random opcodes,
    // lengths and bits) in random chunks. The decoder must end in a frame, NeedMore or an error,
    // and never hold more than one frame plus the unfinished message.
    using namespace cortado::websocket;
    QRandomGenerator random(20261128);
    const DecoderLimits limits{4096, 64};
    for (int round = 0; round < 2000; ++round) {
        FrameDecoder decoder(limits);
        QByteArray bytes;
        const int frames = random.bounded(1, 20);
        for (int i = 0; i < frames; ++i) {
            QByteArray payload(random.bounded(0, 300), Qt::Uninitialized);
            for (char &byte : payload)
                byte = char(random.bounded(256));
            QByteArray frame = RawClient::frame(quint8(random.bounded(16)), payload, random.bounded(4) != 0,
                                                random.bounded(20) != 0, random.bounded(8) == 0 ? 1 : 0);
            if (random.bounded(10) == 0) // a damaged header now and then
                frame[random.bounded(qMin<int>(int(frame.size()), 10))] = char(random.bounded(256));
            bytes += frame;
        }
        bool failed = false;
        for (qsizetype at = 0; at < bytes.size() && !failed;) {
            const qsizetype chunk = qMin<qsizetype>(random.bounded(1, 200), bytes.size() - at);
            decoder.append(QByteArrayView(bytes).sliced(at, chunk));
            at += chunk;
            for (DecodedFrame frame = decoder.next(); frame.kind != DecodedFrame::Kind::NeedMore;
                 frame = decoder.next()) {
                if (frame.kind == DecodedFrame::Kind::Error) {
                    QVERIFY(frame.code == 1002 || frame.code == 1007 || frame.code == 1008 || frame.code == 1009);
                    failed = true;
                    break;
                }
                if (frame.kind == DecodedFrame::Kind::Text)
                    QVERIFY(isValidUtf8(frame.payload));
                QVERIFY(frame.payload.size() <= limits.maxMessageSize);
            }
            QVERIFY(decoder.bufferedBytes() <= limits.maxMessageSize + 300 + 14 + 200);
        }
    }
}

QTEST_MAIN(tst_WebSocketFrames)
#include "tst_websocketframes.moc"
