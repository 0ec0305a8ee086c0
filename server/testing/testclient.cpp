#include "testclient.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QStringList>
#include <QTest>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace cortado::test {

QString Reply::toString() const
{
    if (!m_arrived)
        return u"timed out (no ack)"_s;
    const QString payloadText = QString::fromUtf8(
            QJsonDocument(QJsonObject{{u"payload"_s, payload()}}).toJson(QJsonDocument::Compact));
    if (ok())
        return u"ok "_s + payloadText;
    return u"error %1: %2 %3"_s.arg(errorCode(), errorMessage(), payloadText);
}

namespace {

// cortado::Client with what would come between a test and the server switched off.
cortado::ClientOptions transparent()
{
    cortado::ClientOptions options;
    options.reconnect = false;
    // Nothing waits for a connection: without one, send() and request() fail at once, as a bare
    // socket would drop them.
    options.queueLimit = 0;
    // open() has its own timeout; the client's must not end a slow handshake a test still waits for.
    options.connectTimeoutMs = 10 * 60 * 1000;
    return options;
}

} // namespace

TestClient::TestClient(QObject *parent) : QObject(parent), m_client(transparent())
{
    // Every frame, acks and the welcome included, before the client acts on it (and also the
    // ones the client would drop as duplicates: TestClient joins rooms with plain requests, so
    // the client tracks none).
    connect(&m_client, &cortado::Client::frameReceived, this, [this](const QJsonObject &frame) {
        if (frame.value("event"_L1) == "system:welcome"_L1)
            m_socketId = frame.value("payload"_L1).toObject().value("socketId"_L1).toString();
        m_received.append(frame);
    });
    connect(&m_client, &cortado::Client::disconnected, this, [this](int code, const QString &reason) {
        m_disconnected = true;
        m_closeCode = code;
        m_closeReason = reason;
    });
    connect(&m_unopened, &QWebSocket::stateChanged, this, [](QAbstractSocket::SocketState state) {
        if (state != QAbstractSocket::UnconnectedState)
            qWarning("TestClient::socket() was opened before open(): nothing will be recorded; "
                     "use TestClient::open(QNetworkRequest) for a handshake of your own");
    });
}

TestClient::~TestClient()
{
    m_client.disconnect(this); // the client goes last: nothing may reach the members gone before it
}

bool TestClient::open(const QUrl &url, int timeoutMs)
{
    return open(QNetworkRequest(url), timeoutMs);
}

bool TestClient::open(const QNetworkRequest &request, int timeoutMs)
{
    m_disconnected = false;
    m_closeCode = -1;
    m_closeReason.clear();
    m_client.open(request);
    // Connected once welcomed (the client has no rooms to rejoin); Disconnected when refused.
    [[maybe_unused]] const bool settled = QTest::qWaitFor(
            [this] { return m_client.state() != cortado::Client::Connecting; }, timeoutMs);
    return m_client.state() == cortado::Client::Connected;
}

bool TestClient::isConnected() const
{
    const QWebSocket *socket = m_client.socket();
    return socket && socket->state() == QAbstractSocket::ConnectedState;
}

QWebSocket &TestClient::socket()
{
    if (QWebSocket *socket = m_client.socket())
        return *socket;
    return m_unopened;
}

void TestClient::close()
{
    const bool wasOpen = m_client.state() != cortado::Client::Disconnected;
    m_client.close(); // says disconnected(1000) if it was welcomed
    if (wasOpen && !m_disconnected) {
        m_disconnected = true;
        m_closeCode = 1000;
        m_closeReason.clear();
    }
}

void TestClient::sendFrame(const QJsonObject &frame)
{
    m_client.sendFrame(frame);
}

void TestClient::sendText(const QString &text)
{
    m_client.sendText(text);
}

void TestClient::sendBinary(const QByteArray &data)
{
    m_client.sendBinary(data);
}

void TestClient::send(const QString &event, const QJsonValue &payload, const QString &room)
{
    m_client.send(event, payload, room);
}

Reply TestClient::request(const QString &event, const QJsonValue &payload, const QString &room,
                          int timeoutMs)
{
    const qsizetype sentAt = m_received.size();
    cortado::PendingReply *pending = m_client.request(event, payload, room, std::max(timeoutMs, 1));
    const qint64 id = pending->id(); // 0: not sent (no connection)
    std::optional<cortado::Reply> result;
    QObject waiting; // ends the connection below when this call returns
    pending->then(&waiting, [&result](const cortado::Reply &reply) { result = reply; });
    // The client's own timer ends the request; the margin only covers a busy event loop.
    if (!QTest::qWaitFor([&] { return result.has_value(); }, std::max(timeoutMs, 1) + 1000))
        return Reply();
    // An answer from the server: the ack the client matched, as it was recorded (frameReceived
    // comes before the client matches the ack).
    for (qsizetype i = m_received.size() - 1; id != 0 && i >= sentAt && i >= 0; --i) {
        const QJsonObject &frame = m_received.at(i);
        if (frame.value("event"_L1) == "ack"_L1 && frame.value("id"_L1).isDouble()
            && frame.value("id"_L1).toInteger() == id)
            return Reply(frame);
    }
    return Reply(); // timeout, or the client's own answer (closed, disconnected): no ack
}

QList<QJsonObject> TestClient::received(const QString &event) const
{
    if (event.isEmpty())
        return m_received;
    QList<QJsonObject> result;
    for (const QJsonObject &frame : m_received) {
        if (frame.value("event"_L1).toString() == event)
            result.append(frame);
    }
    return result;
}

bool TestClient::waitFor(const QString &event, qsizetype count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return received(event).size() >= count; }, timeoutMs);
}

Reply TestClient::waitForAck(const QJsonValue &id, int timeoutMs)
{
    std::optional<QJsonObject> ack;
    [[maybe_unused]] const bool arrived = QTest::qWaitFor(
            [&] {
                for (const QJsonObject &frame : std::as_const(m_received)) {
                    if (frame.value("event"_L1) == "ack"_L1 && frame.value("id"_L1) == id) {
                        ack = frame;
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
    return ack ? Reply(*ack) : Reply();
}

void TestClient::clear()
{
    m_received.clear();
    m_consumed.clear();
}

QString TestClient::receivedEvents() const
{
    QStringList events;
    for (const QJsonObject &frame : m_received)
        events.append(frame.value("event"_L1).toString());
    return events.isEmpty() ? u"nothing"_s : events.join(u", "_s);
}

QJsonObject TestClient::expectPush(const QString &event, int timeoutMs, std::source_location where)
{
    const qsizetype index = m_consumed.value(event);
    if (!waitFor(event, index + 1, timeoutMs)) {
        const QString message = u"expected a push \"%1\" within %2 ms; received: %3"_s.arg(
                event, QString::number(timeoutMs), receivedEvents());
        QTest::qFail(qPrintable(message), where.file_name(), int(where.line()));
        return {};
    }
    m_consumed[event] = index + 1;
    return received(event).at(index);
}

bool TestClient::fence(int timeoutMs)
{
    // Any request gets exactly one ack, an unknown event too (error unknown_event): this one needs
    // no room, no handler and no permission on any route.
    // A string id of its own, so it never answers for a numbered frame the test sent by hand.
    const QString id = u"fence-%1"_s.arg(++m_fences);
    sendFrame(QJsonObject{{u"event"_s, u"test:fence"_s}, {u"id"_s, id}});
    return !waitForAck(id, timeoutMs).timedOut();
}

bool TestClient::expectNoPush(const QString &event, std::source_location where)
{
    if (!fence()) {
        QTest::qFail(qPrintable(u"expectNoPush(\"%1\"): the fence's ack did not arrive (is the socket open?)"_s
                                        .arg(event)),
                     where.file_name(), int(where.line()));
        return false;
    }
    const QList<QJsonObject> frames = received(event);
    const qsizetype unexpected = frames.size() - m_consumed.value(event);
    if (unexpected > 0) {
        const QString message = u"expected no push \"%1\", but %2 arrived: %3"_s.arg(
                event, QString::number(unexpected),
                QString::fromUtf8(QJsonDocument(frames.at(frames.size() - unexpected)).toJson(QJsonDocument::Compact)));
        QTest::qFail(qPrintable(message), where.file_name(), int(where.line()));
        return false;
    }
    return true;
}

bool TestClient::waitForDisconnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_disconnected; }, timeoutMs);
}

} // namespace cortado::test
