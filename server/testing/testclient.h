// A WebSocket client that speaks the Cortado protocol, for tests.
#pragma once

#include "reply.h"

#include <cortado/client.h>

#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QWebSocket>

#include <source_location>

namespace cortado::test {

// Records every frame it receives. All waits spin the event loop, so the server under test may live
// in the same thread (TestServer does). Not thread-safe: use it from the test's thread.
//
// Built on cortado::Client (<cortado/client.h>) with its helpers switched off: no reconnect, no
// offline queue, and room:join / room:leave sent as plain requests (no rejoin, no remembered
// rooms, no `since` added, no duplicates dropped), so a test sees the server's answers as they are.
//
// expectPush / expectNoPush report a failure of the running test function themselves (QTest::qFail,
// at the caller's file and line) and return what they found, so a test can stop early:
//
//   const QJsonObject message = bob->expectPush(u"chat:message"_s);
//   if (message.isEmpty())
//       return;            // the failure is already reported
//   QVERIFY(carol->expectNoPush(u"chat:message"_s));
class TestClient : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultTimeoutMs = 5000;

    explicit TestClient(QObject *parent = nullptr);
    ~TestClient() override;

    // Connects and waits for system:welcome. False on refusal or timeout.
    bool open(const QUrl &url, int timeoutMs = DefaultTimeoutMs);
    // The same with a handshake of your own (headers, a Sec-WebSocket-Protocol list; `cortado.v1` is
    // always offered first): cortado::Client::open(QNetworkRequest).
    bool open(const QNetworkRequest &request, int timeoutMs = DefaultTimeoutMs);
    const QString &socketId() const { return m_socketId; }

    // Sends with a fresh id and waits for its ack. Without a connection it returns at once with
    // no ack (timedOut()).
    Reply request(const QString &event, const QJsonValue &payload = QJsonValue::Undefined,
                  const QString &room = {}, int timeoutMs = DefaultTimeoutMs);
    Reply join(const QString &room) { return request(QStringLiteral("room:join"), {}, room); }
    Reply leave(const QString &room) { return request(QStringLiteral("room:leave"), {}, room); }
    // Fire and forget (no id, so no ack; errors come back as system:error).
    void send(const QString &event, const QJsonValue &payload = QJsonValue::Undefined,
              const QString &room = {});

    // Waits for a frame with `event` that arrived after the previous expectPush(event) returned it
    // (pushes are consumed in order), and returns it; on timeout fails the test, saying which events
    // did arrive, and returns an empty object.
    QJsonObject expectPush(const QString &event, int timeoutMs = DefaultTimeoutMs,
                           std::source_location where = std::source_location::current());
    // Proves that no further frame with `event` arrived (none beyond those expectPush returned),
    // without sleeping: sends a fence (a request on this socket) and waits for its ack. The server
    // answers a socket's frames in order, so anything it sent to this socket before it read the fence
    // arrives before the fence's ack. Fails the test (and returns false) if such a frame arrived or
    // the fence's ack did not.
    // It proves nothing about work the server finishes later (a timer, a worker thread): wait for
    // the frame that ends that work first.
    bool expectNoPush(const QString &event, std::source_location where = std::source_location::current());
    // The fence on its own: a request on this socket whose ack comes after everything sent to this
    // socket before the server read it. False if the ack did not arrive.
    bool fence(int timeoutMs = DefaultTimeoutMs);

    // Frames received so far (optionally only those with `event`), oldest first.
    QList<QJsonObject> received(const QString &event = {}) const;
    // Waits until at least `count` frames with `event` arrived; returns whether they did.
    bool waitFor(const QString &event, qsizetype count = 1, int timeoutMs = DefaultTimeoutMs);
    // Waits for the ack with this id (for frames sent with sendFrame()).
    Reply waitForAck(const QJsonValue &id, int timeoutMs = DefaultTimeoutMs);
    // Forgets what was received (and what expectPush consumed).
    void clear();

    // Raw frames, for tests of the protocol itself (sent as they are, nothing checked). Give
    // frames you number yourself ids of your own (strings, or numbers request() will not reach):
    // request() numbers its frames 1, 2, 3, ... on each connection.
    void sendFrame(const QJsonObject &frame);
    void sendText(const QString &text);
    void sendBinary(const QByteArray &data);

    bool isConnected() const;
    bool waitForDisconnected(int timeoutMs = DefaultTimeoutMs);
    // The close code and reason of the connection that ended: the server's close frame, 1006 when
    // the server dropped TCP without one, 1000 after close() or socket().abort(), 4001 / 4003 /
    // 1002 / 1006 for a refused handshake (HTTP 401 / 403 / other 4xx / other); -1 while open.
    int closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    // Closes with 1000 (the close handshake finishes in the background); disconnected at once.
    void close();
    // The QWebSocket of the connection open() made, for the transport itself (abort() to drop TCP,
    // subprotocol(), its signals); an unopened socket before open() and after the connection ended.
    QWebSocket &socket();
    // The client underneath, for what TestClient does not wrap.
    cortado::Client &client() { return m_client; }

private:
    QString receivedEvents() const;

    cortado::Client m_client;
    QWebSocket m_unopened; // what socket() returns while there is no connection
    QList<QJsonObject> m_received;
    QHash<QString, qsizetype> m_consumed; // per event: how many pushes expectPush returned
    QString m_socketId;
    qint64 m_fences = 0;
    bool m_disconnected = false;
    int m_closeCode = -1;
    QString m_closeReason;
};

} // namespace cortado::test
