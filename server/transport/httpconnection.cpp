#include "httpconnection.h"

#include "transport/gateway.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSslSocket>
#include <QTcpSocket>

#include <sys/socket.h>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

using namespace Qt::StringLiterals;

namespace cortado {

namespace {

// How long a closing connection keeps reading (and dropping) what the client still sends.
constexpr int LingerMs = 2000;
// Read in slices, so a refusal stops the parser before much more of a large body is read.
constexpr qint64 ReadSlice = 16 * 1024;
// The request line around method and target ("GET " ... " HTTP/1.1\r\n"), for the head count.
constexpr qsizetype RequestLineOverhead = 12;
// ": " and "\r\n" around each header.
constexpr qsizetype HeaderOverhead = 4;

HttpConnection *connectionOf(http_parser *parser)
{
    return static_cast<HttpConnection *>(parser->data);
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, const GatewayLimits &limits, Handler handler,
                               QObject *parent)
    : QObject(parent), m_socket(socket), m_limits(limits), m_handler(std::move(handler))
{
    m_socket->setParent(this);
    // Qt stops reading from the kernel when this much is buffered: TCP then slows the client
    // down while we answer (or wait for a deferred answer), instead of our memory growing.
    m_socket->setReadBufferSize(64 * 1024);
    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;

    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onIdle);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::readAvailable);
    connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    m_timer.start(m_limits.idleTimeoutMs);
    // The gateway only peeked at the first head: it is buffered already, no readyRead will come.
    // Parsed now, not queued: a client that half-closes after its request (EOF) makes Qt close the
    // socket, and only what is written by then still goes out.
    readAvailable();
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::readAvailable()
{
    while (m_socket && !m_stopped && !m_parsing && m_pending.size() < size_t(MaxPendingResponses)) {
        QByteArray chunk = std::exchange(m_leftover, {});
        if (chunk.isEmpty())
            chunk = m_socket->read(ReadSlice);
        if (chunk.isEmpty())
            return;
        if (m_phase == Phase::Body) // a body that keeps coming is not stalled
            m_timer.start(m_limits.idleTimeoutMs);

        m_parsing = true;
        const size_t parsed = http_parser_execute(&m_parser, &parserSettings(), chunk.constData(),
                                                  size_t(chunk.size()));
        m_parsing = false;
        const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
        if (m_refusal) {
            const Error refusal = *std::exchange(m_refusal, nullptr);
            endWith(HttpResponse::error(refusal).serialize(true));
        } else if (error == HPE_PAUSED) {
            // Paused after a complete request: too many answers outstanding, or the last request.
            http_parser_pause(&m_parser, 0);
            if (!m_stopped)
                m_leftover = chunk.sliced(qsizetype(parsed));
        } else if (error == HPE_HEADER_OVERFLOW) {
            endWith(HttpResponse::error(headersTooLarge()).serialize(true));
        } else if (error != HPE_OK || parsed != size_t(chunk.size())) {
            qCDebug(lcTransport) << "malformed HTTP from" << m_socket->peerAddress()
                                 << http_errno_name(error);
            endWith(HttpResponse::error(Error::badRequest(protocol::errors::BadRequest,
                                                          u"malformed HTTP request"_s))
                            .serialize(true));
        }
    }
}

Error HttpConnection::headersTooLarge() const
{
    return Error{431, protocol::errors::HeadersTooLarge,
                 u"request head is larger than %1 bytes"_s.arg(m_limits.maxHeaderBytes)};
}

Error HttpConnection::payloadTooLarge() const
{
    return Error{413, protocol::errors::PayloadTooLarge,
                 u"request body is larger than %1 bytes"_s.arg(m_limits.maxBodyBytes)};
}

bool HttpConnection::countHead(size_t length)
{
    m_headBytes += qsizetype(length);
    if (m_headBytes <= m_limits.maxHeaderBytes)
        return true;
    m_refusal = std::make_unique<Error>(headersTooLarge());
    return false;
}

int HttpConnection::onMessageBegin(http_parser *parser)
{
    HttpConnection *self = connectionOf(parser);
    self->m_phase = Phase::Head;
    self->m_method.clear();
    self->m_target.clear();
    self->m_headers.clear();
    self->m_body.clear();
    self->m_inValue = false;
    self->m_headBytes = RequestLineOverhead;
    self->m_timer.start(self->m_limits.headTimeoutMs);
    return 0;
}

int HttpConnection::onUrl(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *self = connectionOf(parser);
    if (!self->countHead(length))
        return -1;
    self->m_target.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *self = connectionOf(parser);
    if (self->m_inValue || self->m_headers.isEmpty()) { // a new header starts
        self->m_headers.append(QPair<QByteArray, QByteArray>());
        self->m_inValue = false;
        if (!self->countHead(HeaderOverhead))
            return -1;
    }
    if (!self->countHead(length))
        return -1;
    self->m_headers.last().first.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *self = connectionOf(parser);
    self->m_inValue = true;
    if (!self->countHead(length))
        return -1;
    self->m_headers.last().second.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onHeadersComplete(http_parser *parser)
{
    HttpConnection *self = connectionOf(parser);
    self->m_phase = Phase::Body;
    self->m_timer.start(self->m_limits.idleTimeoutMs);
    self->m_method = http_method_str(http_method(parser->method));
    for (auto &header : self->m_headers)
        header.second = header.second.trimmed();

    if (!self->m_target.startsWith('/')) {
        self->m_refusal = std::make_unique<Error>(Error::badRequest(
                protocol::errors::BadRequest, u"the request target must be a path"_s));
        return -1; // an error stops the parser (1 would mean "no body" here)
    }
    const bool webSocket = findHeader(self->m_headers, "upgrade").trimmed().compare(
                                   "websocket", Qt::CaseInsensitive) == 0;
    if (parser->upgrade || webSocket) {
        // Upgrades are the gateway's, on the first request only; never answer 101 here.
        self->m_refusal = std::make_unique<Error>(Error::badRequest(
                protocol::errors::BadRequest,
                u"a WebSocket upgrade must be the first request on its connection"_s));
        return -1;
    }
    if ((parser->flags & F_CONTENTLENGTH) && parser->content_length > quint64(self->m_limits.maxBodyBytes)) {
        self->m_refusal = std::make_unique<Error>(self->payloadTooLarge());
        return -1;
    }
    const bool hasBody = (parser->flags & F_CHUNKED)
            || ((parser->flags & F_CONTENTLENGTH) && parser->content_length > 0);
    // curl and others wait for this before sending a body; only when no answer is outstanding,
    // so it cannot land in the middle of an earlier response.
    if (hasBody && self->m_pending.empty()
        && findHeader(self->m_headers, "expect").compare("100-continue", Qt::CaseInsensitive) == 0)
        self->m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    return 0;
}

int HttpConnection::onChunkHeader(http_parser *parser)
{
    // content_length is this chunk's size: refuse before its bytes are read.
    HttpConnection *self = connectionOf(parser);
    if (quint64(self->m_body.size()) + parser->content_length > quint64(self->m_limits.maxBodyBytes)) {
        self->m_refusal = std::make_unique<Error>(self->payloadTooLarge());
        return -1;
    }
    return 0;
}

int HttpConnection::onBody(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *self = connectionOf(parser);
    if (self->m_body.size() + qint64(length) > self->m_limits.maxBodyBytes) {
        self->m_refusal = std::make_unique<Error>(self->payloadTooLarge());
        return -1;
    }
    self->m_body.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onMessageComplete(http_parser *parser)
{
    HttpConnection *self = connectionOf(parser);
    self->m_phase = Phase::Idle;
    self->m_timer.stop();
    ++self->m_requests;
    const bool close = !http_should_keep_alive(parser)
            || self->m_requests >= self->m_limits.maxRequestsPerConnection;
    if (close)
        self->m_stopped = true; // nothing after this request is parsed
    if (close || self->m_pending.size() + 1 >= size_t(MaxPendingResponses))
        http_parser_pause(parser, 1);

    RequestHead head{std::exchange(self->m_method, {}), std::exchange(self->m_target, {}),
                     std::exchange(self->m_headers, {})};
    Request request = head.toRequest(self->m_socket->peerAddress().toString());
    request.body = std::exchange(self->m_body, {});
    self->m_pending.push_back(Pending{self->m_nextSerial++, false, close, request.method == "HEAD", {}});
    self->dispatch(std::move(request));
    return 0;
}

void HttpConnection::dispatch(Request request)
{
    const quint64 serial = m_pending.back().serial;
    HttpResponse response = m_handler(std::move(request));
    if (!response.deferred) {
        answer(serial, response);
        return;
    }
    QPointer<HttpConnection> self(this);
    response.deferred([self, serial](const HttpResponse &later) {
        if (self) // the client may have left meanwhile: then the answer goes nowhere
            self->answer(serial, later);
    });
}

void HttpConnection::answer(quint64 serial, const HttpResponse &response)
{
    for (Pending &pending : m_pending) {
        if (pending.serial != serial || pending.ready)
            continue;
        pending.ready = true;
        pending.bytes = response.serialize(pending.close);
        if (pending.headOnly) // a HEAD answer says how long the body would be, without it
            pending.bytes.chop(response.body.size());
        break;
    }
    flush();
}

void HttpConnection::flush()
{
    bool wrote = false;
    while (m_socket && !m_pending.empty() && m_pending.front().ready) {
        Pending pending = std::move(m_pending.front());
        m_pending.pop_front();
        if (pending.close) {
            finish(pending.bytes);
            return;
        }
        m_socket->write(pending.bytes);
        wrote = true;
    }
    // Into the kernel now: when the client's EOF is read before Qt's next write turn, Qt drops
    // the socket and whatever it still buffers (a client that half-closes after its requests).
    if (wrote)
        m_socket->flush();
    if (!m_socket || m_stopped)
        return;
    if (m_pending.empty() && m_phase == Phase::Idle)
        m_timer.start(m_limits.idleTimeoutMs);
    // Reading paused while answers were outstanding: go on with what the client sent since.
    if (!m_parsing && m_pending.size() < size_t(MaxPendingResponses)
        && (!m_leftover.isEmpty() || m_socket->bytesAvailable() > 0))
        QMetaObject::invokeMethod(this, &HttpConnection::readAvailable, Qt::QueuedConnection);
}

void HttpConnection::endWith(const QByteArray &lastAnswer)
{
    // Answered after what is outstanding, so the order of answers stays the order of requests.
    m_stopped = true;
    m_timer.stop();
    m_pending.push_back(Pending{m_nextSerial++, true, true, false, lastAnswer});
    flush();
}

void HttpConnection::finish(const QByteArray &lastAnswer)
{
    QTcpSocket *socket = std::exchange(m_socket, nullptr);
    m_stopped = true;
    m_timer.stop();
    socket->disconnect(this);
    socket->setParent(nullptr);
    answerAndClose(socket, lastAnswer);
    deleteLater();
}

void HttpConnection::onIdle()
{
    switch (m_phase) {
    case Phase::Idle:
        qCDebug(lcTransport) << "closing idle HTTP connection from" << m_socket->peerAddress();
        finish({});
        break;
    case Phase::Head:
        endWith(HttpResponse::error(Error{408, protocol::errors::RequestTimeout,
                                          u"no complete request head within %1 ms"_s.arg(m_limits.headTimeoutMs)})
                        .serialize(true));
        break;
    case Phase::Body:
        endWith(HttpResponse::error(Error{408, protocol::errors::RequestTimeout,
                                          u"the request body stalled for %1 ms"_s.arg(m_limits.idleTimeoutMs)})
                        .serialize(true));
        break;
    }
}

const http_parser_settings &HttpConnection::parserSettings()
{
    static const http_parser_settings settings = [] {
        http_parser_settings s;
        http_parser_settings_init(&s);
        s.on_message_begin = &HttpConnection::onMessageBegin;
        s.on_url = &HttpConnection::onUrl;
        s.on_header_field = &HttpConnection::onHeaderField;
        s.on_header_value = &HttpConnection::onHeaderValue;
        s.on_headers_complete = &HttpConnection::onHeadersComplete;
        s.on_chunk_header = &HttpConnection::onChunkHeader;
        s.on_body = &HttpConnection::onBody;
        s.on_message_complete = &HttpConnection::onMessageComplete;
        return s;
    }();
    return settings;
}

void answerAndClose(QTcpSocket *socket, const QByteArray &response)
{
    QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
    QObject::disconnect(socket, &QTcpSocket::disconnected, nullptr, nullptr);
    QObject::disconnect(socket, &QTcpSocket::bytesWritten, nullptr, nullptr);
    if (!response.isEmpty()) {
        socket->write(response);
        socket->flush();
    }
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->deleteLater();
        return;
    }
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    // Drop what the client still sends (a refused body) without keeping it.
    const auto discard = [socket] { socket->skip(socket->bytesAvailable()); };
    QObject::connect(socket, &QTcpSocket::readyRead, socket, discard);
    discard();
    // A peer that neither reads nor closes would keep the socket forever.
    QTimer::singleShot(LingerMs, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });

    if (qobject_cast<QSslSocket *>(socket)) {
        socket->disconnectFromHost(); // close_notify once flushed
        return;
    }
    // Plain TCP: send FIN once the answer is out (the client sees the end at once) but keep
    // reading until the client closes too.
    const auto shutWrite = [socket] {
        if (socket->bytesToWrite() > 0)
            return;
        QObject::disconnect(socket, &QTcpSocket::bytesWritten, nullptr, nullptr);
        ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, shutWrite);
    shutWrite();
}

} // namespace cortado
