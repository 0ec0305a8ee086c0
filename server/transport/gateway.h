#pragma once

#include "routing/http.h"
#include "transport/httpconnection.h"

#include <QHash>
#include <QHostAddress>
#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

namespace cortado {

// The head of an HTTP request: the first one on a connection as the gateway peeked at it, or one
// HttpConnection parsed.
struct RequestHead
{
    QByteArray method;
    QByteArray target; // origin-form: "/chat?token=..."
    Headers headers;

    QByteArray header(QByteArrayView name) const { return findHeader(headers, name); }
    bool isWebSocketUpgrade() const;
    // The head as a routing Request (path, query, headers; no body).
    Request toRequest(const QString &remoteAddress) const;
};

// Parses "GET /path HTTP/1.1\r\nName: value\r\n...\r\n\r\n" into `head`; false when malformed.
// Public for the fuzzer (tests/fuzz/fuzz_requesthead.cpp).
bool parseHead(QByteArrayView raw, RequestHead *head);

// The listening socket. For each accepted connection it:
//   - refuses it at once (429) when its address already holds maxConnectionsPerIp connections;
//   - with TLS, wraps it in a QSslSocket and waits for the handshake (aborted if not done within
//     the head timeout; a client that does not speak TLS is closed);
//   - reads the head of the first request without consuming it, and answers malformed, oversized
//     or slow heads itself (400 / 431 / 408 and close);
//   - hands WebSocket upgrades out through webSocketUpgrade(), to Cortado's own WebSocket layer;
//   - hands anything else out through httpConnection(): HttpConnection then parses and limits
//     every request of the connection, the first one included.
// Why not QHttpServer: docs/architecture.md.
class Gateway : public QTcpServer
{
    Q_OBJECT

public:
    explicit Gateway(GatewayLimits limits, QObject *parent = nullptr);

    // Serve TLS (https, wss) with this configuration (certificate and key set); before listen().
    void setTlsConfiguration(const QSslConfiguration &configuration);
    bool isTls() const { return m_tls.has_value(); }
    // Open connections from `address` (all of them: sockets handed on are still counted).
    int connectionsFrom(const QHostAddress &address) const { return m_perAddress.value(address); }

    // Answers with a JSON error body and closes the connection once it is written (plain or TLS;
    // see answerAndClose()).
    static void refuse(QTcpSocket *socket, const Error &error);

    // The object that keeps the socket's address counted for as long as it lives (a child of
    // every accepted socket): whoever replaces the socket by something else takes it over.
    static QObject *takeAddressSlot(QTcpSocket *socket);

Q_SIGNALS:
    // The receiver takes the socket over (and must answer or close it). The head is still unread.
    // With TLS the socket is an encrypted QSslSocket: use it only as a QIODevice.
    void webSocketUpgrade(QTcpSocket *socket, const cortado::RequestHead &head);
    void httpConnection(QTcpSocket *socket);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void inspect(QTcpSocket *socket);
    void release(const QHostAddress &address);

    GatewayLimits m_limits;
    std::optional<QSslConfiguration> m_tls;
    QHash<QHostAddress, int> m_perAddress;
};

} // namespace cortado
