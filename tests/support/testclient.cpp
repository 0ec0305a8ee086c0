#include "testclient.h"

#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;

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

QJsonObject TestClient::request(const QString &event, const QJsonValue &payload,
                                const QString &room, int timeoutMs)
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

QJsonObject TestClient::waitForAck(const QJsonValue &id, int timeoutMs)
{
    QJsonObject ack;
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
    return ack;
}

bool TestClient::waitForDisconnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_disconnected; }, timeoutMs);
}
