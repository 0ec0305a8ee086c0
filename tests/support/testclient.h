#pragma once

#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QWebSocket>

// A WebSocket client that speaks the Cortado protocol and records everything it receives.
// All waits spin the event loop (the server under test usually lives in the same thread).
class TestClient : public QObject
{
    Q_OBJECT

public:
    explicit TestClient(QObject *parent = nullptr);

    // Connects and waits for system:welcome. False on refusal or timeout.
    bool open(const QUrl &url, int timeoutMs = 5000);
    const QString &socketId() const { return m_socketId; }

    void sendFrame(const QJsonObject &frame);
    void sendText(const QString &text);
    void sendBinary(const QByteArray &data);
    // Fire and forget (no id, so no ack).
    void send(const QString &event, const QJsonValue &payload = QJsonValue::Undefined,
              const QString &room = {});
    // Sends with a fresh id and waits for its ack; an empty object on timeout.
    QJsonObject request(const QString &event, const QJsonValue &payload = QJsonValue::Undefined,
                        const QString &room = {}, int timeoutMs = 5000);
    QJsonObject join(const QString &room) { return request(QStringLiteral("room:join"), {}, room); }
    QJsonObject leave(const QString &room) { return request(QStringLiteral("room:leave"), {}, room); }

    // Frames received so far (optionally only those with `event`), oldest first.
    QList<QJsonObject> received(const QString &event = {}) const;
    // Waits until at least `count` frames with `event` arrived; returns whether they did.
    bool waitFor(const QString &event, qsizetype count = 1, int timeoutMs = 5000);
    // Waits for an ack with this id.
    QJsonObject waitForAck(const QJsonValue &id, int timeoutMs = 5000);
    void clear() { m_received.clear(); }

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    bool waitForDisconnected(int timeoutMs = 5000);
    int closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    void close() { m_socket.close(); }
    QWebSocket &socket() { return m_socket; }

private:
    QWebSocket m_socket;
    QList<QJsonObject> m_received;
    QString m_socketId;
    qint64 m_nextId = 1;
    bool m_disconnected = false;
    int m_closeCode = -1;
    QString m_closeReason;
};
