#include "testclient.h"

#include <QJsonDocument>
#include <QStringList>
#include <QTest>

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

TestClient::TestClient(QObject *parent) : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
        if (frame.value("event"_L1) == "system:welcome"_L1)
            m_socketId = frame.value("payload"_L1).toObject().value("socketId"_L1).toString();
        m_received.append(frame);
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        m_disconnected = true;
        m_closeCode = m_socket.closeCode();
        m_closeReason = m_socket.closeReason();
    });
}

bool TestClient::open(const QUrl &url, int timeoutMs)
{
    m_socket.open(url);
    return QTest::qWaitFor([this] { return !m_socketId.isEmpty() || m_disconnected; }, timeoutMs)
            && !m_socketId.isEmpty();
}

void TestClient::sendFrame(const QJsonObject &frame)
{
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void TestClient::sendText(const QString &text)
{
    m_socket.sendTextMessage(text);
}

void TestClient::sendBinary(const QByteArray &data)
{
    m_socket.sendBinaryMessage(data);
}

static QJsonObject frameFor(const QString &event, const QJsonValue &payload, const QString &room)
{
    QJsonObject frame{{u"event"_s, event}};
    if (!payload.isUndefined())
        frame.insert(u"payload"_s, payload);
    if (!room.isEmpty())
        frame.insert(u"room"_s, room);
    return frame;
}

void TestClient::send(const QString &event, const QJsonValue &payload, const QString &room)
{
    sendFrame(frameFor(event, payload, room));
}

Reply TestClient::request(const QString &event, const QJsonValue &payload, const QString &room,
                          int timeoutMs)
{
    QJsonObject frame = frameFor(event, payload, room);
    const qint64 id = m_nextId++;
    frame.insert(u"id"_s, id);
    sendFrame(frame);
    return waitForAck(id, timeoutMs);
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
    const QString id = u"fence-%1"_s.arg(m_nextId++);
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
