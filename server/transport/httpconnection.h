#pragma once

#include "routing/http.h"

#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

#include <http_parser.h>

class QTcpSocket;

namespace cortado {

// The limits every HTTP connection is held to (ServerConfig::http). Settings: docs/security.md.
struct GatewayLimits
{
    qsizetype maxHeaderBytes = 16 * 1024; // larger heads get 431 (CORTADO_MAX_HEADER_SIZE)
    qint64 maxBodyBytes = 1024 * 1024; // larger bodies get 413, chunked too (CORTADO_MAX_BODY_SIZE)
    int headTimeoutMs = 10'000; // a head (and a TLS handshake) not complete in time: 408 / close
    int idleTimeoutMs = 30'000; // nothing between requests, or a stalled body, for this long: close
    int maxRequestsPerConnection = 1000; // the last one is answered with `Connection: close`
    int listenBacklog = 1024; // connections the kernel queues before accept()
    int maxConnectionsPerIp = 4096; // open TCP connections from one client address; more get 429
};

// One plain-HTTP/1.1 connection (TCP or TLS): parses every request incrementally with nodejs
// http-parser and holds each one to the limits, answers in request order, and closes when told to.
//   - head larger than maxHeaderBytes (counted while parsing) → 431 and close;
//   - body larger than maxBodyBytes (Content-Length, or the decoded chunks so far) → 413 and close,
//     before the body is buffered;
//   - no complete head within headTimeoutMs of its first byte → 408 and close; a body that stalls
//     for idleTimeoutMs → 408 and close; nothing between requests for idleTimeoutMs → close;
//   - malformed framing → 400 and close, nothing after it is parsed;
//   - a WebSocket upgrade (or CONNECT) → 400 and close: upgrades are only taken as the first request,
//     by the gateway;
//   - after maxRequestsPerConnection requests, `Connection: close`; HTTP/1.0 without keep-alive and
//     `Connection: close` are honoured.
// Responses go out in request order even when one is answered later (HttpResponse::later); a
// deferred answer whose connection is gone goes nowhere.
// Owns the socket; deletes itself once the socket is closed. Lives on the socket's thread.
class HttpConnection : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<HttpResponse(Request)>;

    // The socket's head may still be unread (the gateway only peeked at it).
    HttpConnection(QTcpSocket *socket, const GatewayLimits &limits, Handler handler,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    // Pipelined requests parsed ahead of their answers; at this many, reading pauses.
    static constexpr int MaxPendingResponses = 16;

private:
    struct Pending
    {
        quint64 serial = 0;
        bool ready = false;
        bool close = false;
        bool headOnly = false;
        QByteArray bytes;
    };

    static const http_parser_settings &parserSettings();
    static int onMessageBegin(http_parser *parser);
    static int onUrl(http_parser *parser, const char *at, size_t length);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onChunkHeader(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);

    void readAvailable();
    bool countHead(size_t length);
    Error headersTooLarge() const;
    Error payloadTooLarge() const;
    void dispatch(Request request);
    void answer(quint64 serial, const HttpResponse &response);
    void flush();
    // Queues a final answer after the outstanding ones; the connection ends once it is written.
    void endWith(const QByteArray &lastAnswer);
    // Writes `lastAnswer` now and hands the socket to answerAndClose(); this object goes.
    void finish(const QByteArray &lastAnswer);
    void onIdle();

    QTcpSocket *m_socket;
    const GatewayLimits m_limits;
    Handler m_handler;
    http_parser m_parser;
    QTimer m_timer; // head, body-stall or idle deadline, whichever applies now
    bool m_parsing = false; // inside http_parser_execute(): never re-enter it
    QByteArray m_leftover; // read but not parsed yet (the parser paused)

    // The request being parsed.
    enum class Phase { Idle, Head, Body };
    Phase m_phase = Phase::Idle;
    QByteArray m_method;
    QByteArray m_target;
    Headers m_headers;
    bool m_inValue = false;
    qsizetype m_headBytes = 0;
    QByteArray m_body;

    std::deque<Pending> m_pending;
    quint64 m_nextSerial = 0;
    int m_requests = 0;
    bool m_stopped = false; // nothing more is parsed: the connection ends after what is queued
    std::unique_ptr<Error> m_refusal; // set by a callback that stops the parser
};

// Writes `response` and ends the connection without losing the answer: the write side is shut
// once flushed, and what the client still sends is read and dropped for a short while (closing
// with unread input would reset the connection, and the client might never see the answer).
// Takes the socket over (deletes it when done).
void answerAndClose(QTcpSocket *socket, const QByteArray &response);

} // namespace cortado
