#pragma once

#include "routing/http.h"

#include <QTcpServer>

namespace cortado {

// The head of the first HTTP request on a connection, as the gateway read it.
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

struct GatewayLimits
{
    qsizetype maxHeaderBytes = 16 * 1024; // larger heads get 431
    qint64 maxBodyBytes = 1024 * 1024; // a larger Content-Length gets 413
    int headTimeoutMs = 10'000; // a connection that sends no complete head in time is closed
};

// The listening socket in front of QHttpServer (bound with QAbstractHttpServer::bind()). It reads
// the head of each connection's first request without consuming it, then:
//   - answers malformed, oversized or slow requests itself (400 / 413 / 431 / close);
//   - hands WebSocket upgrades out through webSocketUpgrade(), so Cortado's own QWebSocketServer
//     (subprotocols, origin checks, handshake timeout, later: other threads) does the handshake;
//   - passes plain HTTP on to QHttpServer via addPendingConnection().
// Why: QHttpServer 6.4 has no limits, no handshake control, and a 401 written by a matching route
// is still followed by a 101 (see docs/architecture.md).
class Gateway : public QTcpServer
{
    Q_OBJECT

public:
    explicit Gateway(GatewayLimits limits, QObject *parent = nullptr);

    // Answers with a JSON error body and closes the connection once it is written.
    static void refuse(QTcpSocket *socket, const Error &error);

Q_SIGNALS:
    // The receiver takes the socket over (and must answer or close it). The head is still unread.
    void webSocketUpgrade(QTcpSocket *socket, const cortado::RequestHead &head);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void inspect(QTcpSocket *socket);

    GatewayLimits m_limits;
};

} // namespace cortado
