// Every HTTP request on a connection is held to the limits, not only the first; the listening
// socket (backlog, connections per address) and TLS. Each refusal is checked against a real server,
// and each test then checks that a normal client on the same server is still served.
#include "serverprocess.h"
#include "testserver.h"

#include <QFile>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWebSocket>

#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace {

constexpr int Timeout = 5000;

const QByteArray Health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"_ba;

// Routes for answer-order tests: /fast answers at once, /slow?ms=N after N ms.
void pipelineRoutes(cortado::Router &router)
{
    router.addRestRoute(u"fast.cpp"_s, [](cortado::RestRoute &route) {
        route.get([](cortado::Context &) { return cortado::HttpResponse::json(u"fast"_s); });
    });
    router.addRestRoute(u"slow.cpp"_s, [](cortado::RestRoute &route) {
        route.get([](cortado::Context &context) {
            const int ms = context.request().queryValue(u"ms"_s).toInt();
            return cortado::HttpResponse::later([ms](cortado::HttpResponse::Reply reply) {
                QTimer::singleShot(ms, [reply, ms] { reply(cortado::HttpResponse::json(u"slow %1"_s.arg(ms))); });
            });
        });
    });
    router.addRestRoute(u"echo.cpp"_s, [](cortado::RestRoute &route) {
        route.post([](cortado::Context &context) {
            return cortado::HttpResponse::json(QJsonObject{{u"bytes"_s, context.request().body.size()}});
        });
    });
}

cortado::ServerConfig quickConfig()
{
    cortado::ServerConfig config;
    config.http.headTimeoutMs = 300;
    config.http.idleTimeoutMs = 300;
    return config;
}

bool connectTo(QTcpSocket &socket, quint16 port)
{
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(Timeout);
}

bool waitClosed(QTcpSocket &socket, int timeoutMs = Timeout)
{
    return QTest::qWaitFor([&] {
        socket.readAll(); // drains, so a close after data is seen
        return socket.state() == QAbstractSocket::UnconnectedState;
    }, timeoutMs);
}

// Everything the server sends until it closes the connection (or `timeoutMs`).
QByteArray readUntilClosed(QTcpSocket &socket, int timeoutMs = Timeout)
{
    QByteArray received;
    [[maybe_unused]] const bool closed = QTest::qWaitFor([&] {
        received += socket.readAll();
        return socket.state() == QAbstractSocket::UnconnectedState;
    }, timeoutMs);
    return received + socket.readAll();
}

// The bodies of `count` complete responses read from `socket`.
QList<QByteArray> readBodies(QTcpSocket &socket, int count)
{
    QByteArray buffer;
    QList<QByteArray> bodies;
    [[maybe_unused]] const bool complete = QTest::qWaitFor([&] {
        buffer += socket.readAll();
        for (;;) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                break;
            const QByteArray head = buffer.first(headEnd).toLower();
            const qsizetype at = head.indexOf("content-length:");
            const qsizetype length = head.mid(at + 15, head.indexOf('\r', at) - at - 15).trimmed().toLongLong();
            if (buffer.size() < headEnd + 4 + length)
                break;
            bodies.append(buffer.mid(headEnd + 4, length));
            buffer.remove(0, headEnd + 4 + length);
        }
        return bodies.size() >= count;
    }, Timeout);
    return bodies;
}

bool stillServes(const TestServer &server)
{
    return server.http("GET", u"/health"_s).status == 200;
}

QByteArray chunk(qsizetype size)
{
    return QByteArray::number(size, 16) + "\r\n" + QByteArray(size, 'x') + "\r\n";
}

} // namespace

class tst_HttpLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void laterRequestWithOversizeHeaderGets431();
    void laterRequestWithLargeContentLengthGets413BeforeTheBody();
    void chunkedBodyOverTheLimitGets413_data();
    void chunkedBodyOverTheLimitGets413();
    void chunkedBodyWithinTheLimitIsServed();
    void idleConnectionAfterARequestIsClosed();
    void slowRequestGets408_data();
    void slowRequestGets408();
    void requestsPerConnectionAreCapped();
    void connectionCloseIsHonoured_data();
    void connectionCloseIsHonoured();
    void pipelinedRequestsAreAnsweredInOrder();
    void requestsFollowedByEndOfInputAreAnswered();
    void deferredAnswerForAGoneClientGoesNowhere();
    void malformedRequestGets400AndNothingAfterIsParsed_data();
    void malformedRequestGets400AndNothingAfterIsParsed();
    void laterUpgradeGets400AndClose();
    void headRequestGetsNoBody();
    void connectionsPerAddressAreCapped();
    void listenBacklogIsApplied();
    void refusedHugeBodiesKeepServerMemoryBounded();
    void tlsServesHttpsAndWss();
    void plainHttpOnTlsPortIsClosed();
    void badTlsFilesStopTheServer();

private:
    QTemporaryDir m_tlsDir;
    bool makeCertificate();
};

void tst_HttpLimits::laterRequestWithOversizeHeaderGets431()
{
    ExampleServer server;
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    QCOMPARE(readHttpReply(socket, Health, Timeout).status, 200);
    // The head never ends: it is refused while it grows, not once it is complete.
    const HttpReply reply = readHttpReply(
            socket, "GET /health HTTP/1.1\r\nX-Big: "_ba + QByteArray(64 * 1024, 'a'), Timeout);
    QCOMPARE(reply.status, 431);
    QCOMPARE(reply.json().value("error"_L1).toString(), u"headers_too_large"_s);
    QCOMPARE(reply.header("connection"), "close"_ba);
    QVERIFY(waitClosed(socket));
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::laterRequestWithLargeContentLengthGets413BeforeTheBody()
{
    ExampleServer server;
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    QCOMPARE(readHttpReply(socket, Health, Timeout).status, 200);
    // 64 KiB of a 100 MiB body sent: the answer comes while the client would still be sending.
    const HttpReply reply = readHttpReply(
            socket, "POST /api/rooms/a/broadcast HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n"_ba
                    + QByteArray(64 * 1024, '{'),
            Timeout);
    QCOMPARE(reply.status, 413);
    QCOMPARE(reply.json().value("error"_L1).toString(), u"payload_too_large"_s);
    QVERIFY(waitClosed(socket));
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::chunkedBodyOverTheLimitGets413_data()
{
    QTest::addColumn<bool>("afterARequest");
    QTest::newRow("first request") << false;
    QTest::newRow("later request") << true;
}

void tst_HttpLimits::chunkedBodyOverTheLimitGets413()
{
    QFETCH(bool, afterARequest);
    cortado::ServerConfig config;
    config.http.maxBodyBytes = 100'000;
    TestServer server(TestServer::routes(pipelineRoutes), config);
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    if (afterARequest)
        QCOMPARE(readHttpReply(socket, "GET /fast HTTP/1.1\r\n\r\n", Timeout).status, 200);
    // Two 60,000-byte chunks: the second chunk's size line already passes the limit.
    const HttpReply reply = readHttpReply(
            socket, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"_ba + chunk(60'000)
                    + chunk(60'000) + chunk(60'000),
            Timeout);
    QCOMPARE(reply.status, 413);
    QCOMPARE(reply.json().value("error"_L1).toString(), u"payload_too_large"_s);
    QVERIFY(waitClosed(socket));
    QCOMPARE(server.http("GET", u"/fast"_s).status, 200);
}

void tst_HttpLimits::chunkedBodyWithinTheLimitIsServed()
{
    cortado::ServerConfig config;
    config.http.maxBodyBytes = 100'000;
    TestServer server(TestServer::routes(pipelineRoutes), config);
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    const HttpReply reply = readHttpReply(
            socket, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"_ba + chunk(50'000)
                    + chunk(50'000) + "0\r\n\r\n",
            Timeout);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value("bytes"_L1).toInt(), 100'000); // decoded, exactly at the limit
    QCOMPARE(readHttpReply(socket, "GET /fast HTTP/1.1\r\n\r\n", Timeout).status, 200); // still open
}

void tst_HttpLimits::idleConnectionAfterARequestIsClosed()
{
    ExampleServer server(quickConfig());
    QList<QTcpSocket *> sockets;
    for (int i = 0; i < 20; ++i) {
        auto *socket = new QTcpSocket(this);
        sockets.append(socket);
        QVERIFY(connectTo(*socket, server.port()));
        QCOMPARE(readHttpReply(*socket, Health, Timeout).status, 200);
    }
    for (QTcpSocket *socket : std::as_const(sockets))
        QVERIFY(waitClosed(*socket));
    qDeleteAll(sockets);
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::slowRequestGets408_data()
{
    QTest::addColumn<bool>("afterARequest");
    QTest::addColumn<QByteArray>("partial");
    const QByteArray head = "GET /health HTTP/1.1\r\nX-Slow: 1\r\n"_ba;
    const QByteArray body = "POST /api/rooms/a/broadcast HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"a\""_ba;
    QTest::newRow("head, first request (gateway)") << false << head;
    QTest::newRow("head, later request") << true << head;
    QTest::newRow("stalled body, first request") << false << body;
    QTest::newRow("stalled body, later request") << true << body;
}

void tst_HttpLimits::slowRequestGets408()
{
    QFETCH(bool, afterARequest);
    QFETCH(QByteArray, partial);
    ExampleServer server(quickConfig());
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    if (afterARequest)
        QCOMPARE(readHttpReply(socket, Health, Timeout).status, 200);
    const HttpReply reply = readHttpReply(socket, partial, Timeout);
    QCOMPARE(reply.status, 408);
    QCOMPARE(reply.json().value("error"_L1).toString(), u"request_timeout"_s);
    QVERIFY(waitClosed(socket));
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::requestsPerConnectionAreCapped()
{
    cortado::ServerConfig config;
    config.http.maxRequestsPerConnection = 3;
    ExampleServer server(config);
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    for (int i = 1; i <= 2; ++i) {
        const HttpReply reply = readHttpReply(socket, Health, Timeout);
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.header("connection"), QByteArray());
    }
    // The third is answered, and says it is the last; a fourth sent with it is never parsed.
    socket.write(Health + Health);
    const QByteArray rest = readUntilClosed(socket);
    QCOMPARE(rest.count("HTTP/1.1 200"), 1);
    QVERIFY(rest.contains("Connection: close\r\n"));
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::connectionCloseIsHonoured_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("Connection: close") << "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"_ba;
    QTest::newRow("HTTP/1.0") << "GET /health HTTP/1.0\r\n\r\n"_ba;
}

void tst_HttpLimits::connectionCloseIsHonoured()
{
    QFETCH(QByteArray, request);
    ExampleServer server;
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    QCOMPARE(readHttpReply(socket, Health, Timeout).status, 200); // first request: gateway path
    socket.write(request + Health);
    const QByteArray received = readUntilClosed(socket);
    QCOMPARE(received.count("HTTP/1.1 200"), 1); // the request after it is not answered
    QVERIFY(received.contains("Connection: close\r\n"));
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::pipelinedRequestsAreAnsweredInOrder()
{
    TestServer server(TestServer::routes(pipelineRoutes));
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    // All in one write; the deferred ones finish after the fast ones would have.
    socket.write("GET /slow?ms=150 HTTP/1.1\r\n\r\nGET /fast HTTP/1.1\r\n\r\n"
                 "GET /slow?ms=50 HTTP/1.1\r\n\r\nGET /fast HTTP/1.1\r\n\r\n");
    const QList<QByteArray> bodies = readBodies(socket, 4);
    QCOMPARE(bodies, (QList<QByteArray>{"\"slow 150\"", "\"fast\"", "\"slow 50\"", "\"fast\""}));
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);

    // More pipelined requests than the server parses ahead (MaxPendingResponses): all answered.
    QByteArray many;
    for (int i = 0; i < 3 * cortado::HttpConnection::MaxPendingResponses; ++i)
        many += i % 2 ? "GET /fast HTTP/1.1\r\n\r\n" : "GET /slow?ms=1 HTTP/1.1\r\n\r\n";
    socket.write(many);
    QCOMPARE(readBodies(socket, 3 * cortado::HttpConnection::MaxPendingResponses).size(),
             3 * cortado::HttpConnection::MaxPendingResponses);
}

void tst_HttpLimits::requestsFollowedByEndOfInputAreAnswered()
{
    // `printf 'GET ...' | nc -N`: the client half-closes right after its requests.
    ExampleServer server;
    for (const QByteArray &requests : {Health, Health + Health}) {
        QTcpSocket socket;
        QVERIFY(connectTo(socket, server.port()));
        socket.write(requests);
        QVERIFY(socket.waitForBytesWritten(Timeout));
        ::shutdown(int(socket.socketDescriptor()), SHUT_WR);
        QCOMPARE(readUntilClosed(socket).count("HTTP/1.1 200 "), requests.count("GET "));
    }
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::deferredAnswerForAGoneClientGoesNowhere()
{
    TestServer server(TestServer::routes(pipelineRoutes));
    {
        QTcpSocket socket;
        QVERIFY(connectTo(socket, server.port()));
        socket.write("GET /fast HTTP/1.1\r\n\r\nGET /slow?ms=100 HTTP/1.1\r\n\r\n");
        QCOMPARE(readBodies(socket, 1).size(), 1); // the deferred request was parsed and started
        socket.abort();
    }
    // Fence: started later with a longer delay, so the gone client's answer was due before it.
    QTcpSocket fence;
    QVERIFY(connectTo(fence, server.port()));
    fence.write("GET /slow?ms=200 HTTP/1.1\r\n\r\n");
    QCOMPARE(readBodies(fence, 1), QList<QByteArray>{"\"slow 200\""});
}

void tst_HttpLimits::malformedRequestGets400AndNothingAfterIsParsed_data()
{
    QTest::addColumn<QByteArray>("bad");
    QTest::newRow("request line") << "HELLO\r\n\r\n"_ba;
    QTest::newRow("header without colon") << "GET /fast HTTP/1.1\r\nHost 1\r\n\r\n"_ba;
    QTest::newRow("length and chunked") << "POST /echo HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"_ba;
    QTest::newRow("bad chunk size") << "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"_ba;
    QTest::newRow("absolute target") << "GET http://x/fast HTTP/1.1\r\n\r\n"_ba;
}

void tst_HttpLimits::malformedRequestGets400AndNothingAfterIsParsed()
{
    QFETCH(QByteArray, bad);
    TestServer server(TestServer::routes(pipelineRoutes));
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    QCOMPARE(readHttpReply(socket, "GET /fast HTTP/1.1\r\n\r\n", Timeout).status, 200);
    // What follows the bad request looks like a good one: it must not be answered.
    socket.write(bad + "GET /fast HTTP/1.1\r\n\r\n");
    const QByteArray received = readUntilClosed(socket);
    QVERIFY2(received.startsWith("HTTP/1.1 400 "), received.constData());
    QCOMPARE(received.count("HTTP/1.1 "), 1);
    QVERIFY(received.contains("\"error\":\"bad_request\""));
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(server.http("GET", u"/fast"_s).status, 200);
}

void tst_HttpLimits::laterUpgradeGets400AndClose()
{
    ExampleServer server;
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    QCOMPARE(readHttpReply(socket, Health, Timeout).status, 200);
    socket.write("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    const QByteArray received = readUntilClosed(socket);
    QVERIFY2(received.startsWith("HTTP/1.1 400 "), received.constData());
    QVERIFY(!received.contains(" 101 "));
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(server.hub().sessionCount(), 0);
    QVERIFY(server.client(u"/chat"_s)); // a first-request upgrade still works
}

void tst_HttpLimits::headRequestGetsNoBody()
{
    ExampleServer server;
    QTcpSocket socket;
    QVERIFY(connectTo(socket, server.port()));
    // As before: no HEAD handler, so 405 with Allow; the length is announced, the body not sent,
    // so the next answer on the connection is read correctly.
    socket.write("HEAD /health HTTP/1.1\r\n\r\n" + Health);
    QByteArray received;
    QVERIFY(QTest::qWaitFor([&] {
        received += socket.readAll();
        return received.count("HTTP/1.1 ") == 2 && received.endsWith("}");
    }, Timeout));
    QVERIFY(received.startsWith("HTTP/1.1 405 "));
    QVERIFY(received.contains("Allow: GET\r\n"));
    const qsizetype second = received.indexOf("HTTP/1.1 200 ");
    QVERIFY(second > 0);
    QVERIFY(received.first(second).endsWith("\r\n\r\n")); // nothing between the two answers
}

void tst_HttpLimits::connectionsPerAddressAreCapped()
{
    cortado::ServerConfig config;
    config.http.maxConnectionsPerIp = 3;
    ExampleServer server(config);
    QList<QTcpSocket *> open;
    for (int i = 0; i < 3; ++i) {
        open.append(new QTcpSocket(this));
        QVERIFY(connectTo(*open.last(), server.port()));
        QCOMPARE(readHttpReply(*open.last(), Health, Timeout).status, 200);
    }
    QCOMPARE(server.server().gateway().connectionsFrom(QHostAddress::LocalHost), 3);

    QTcpSocket fourth;
    QVERIFY(connectTo(fourth, server.port()));
    const HttpReply refused = readHttpReply(fourth, Health, Timeout);
    QCOMPARE(refused.status, 429);
    QCOMPARE(refused.json().value("error"_L1).toString(), u"too_many_connections"_s);
    QVERIFY(waitClosed(fourth));
    for (QTcpSocket *socket : std::as_const(open)) // the open ones are still served
        QCOMPARE(readHttpReply(*socket, Health, Timeout).status, 200);

    // Counted down when a socket goes: then a new one is served.
    delete open.takeFirst();
    QTRY_COMPARE(server.server().gateway().connectionsFrom(QHostAddress::LocalHost), 2);
    QVERIFY(stillServes(server));
    qDeleteAll(open);
    QTRY_COMPARE(server.server().gateway().connectionsFrom(QHostAddress::LocalHost), 0);

    // WebSockets count too, and are counted down when they close.
    auto client = server.client(u"/chat"_s);
    QVERIFY(client);
    QCOMPARE(server.server().gateway().connectionsFrom(QHostAddress::LocalHost), 1);
    client.reset();
    QTRY_COMPARE(server.server().gateway().connectionsFrom(QHostAddress::LocalHost), 0);
}

void tst_HttpLimits::listenBacklogIsApplied()
{
    QCOMPARE(cortado::ServerConfig().http.listenBacklog, 1024);
    cortado::ServerConfig config;
    config.http.listenBacklog = 77;
    ExampleServer server(config);
    QVERIFY(server.isListening());
    // `ss -ltn` shows a listening socket's backlog as its Send-Q.
    QProcess ss;
    ss.start(u"ss"_s, {u"-Hltn"_s, u"sport = :%1"_s.arg(server.port())});
    QVERIFY(ss.waitForFinished(Timeout));
    const QList<QByteArray> fields = ss.readAllStandardOutput().simplified().split(' ');
    QVERIFY2(fields.size() >= 3, fields.join(' ').constData());
    QCOMPARE(fields.at(2).toInt(), 77);
    QVERIFY(stillServes(server));
}

void tst_HttpLimits::refusedHugeBodiesKeepServerMemoryBounded()
{
    QTemporaryDir data;
    ServerProcess server;
    QVERIFY(server.start({u"--port"_s, u"0"_s}, ServerProcess::environment(data.path())));
    const quint16 port = quint16(server.url.port());
    const qint64 before = server.memoryBytes("VmRSS:");
    QVERIFY(before > 0);

    const QByteArray lengthHead = "POST /api/rooms/a/broadcast HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n";
    const QByteArray chunkedHead = "POST /api/rooms/a/broadcast HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const bool chunked : {false, true}) {
        for (const bool later : {false, true}) {
            QTcpSocket socket;
            QVERIFY(connectTo(socket, port));
            if (later)
                QCOMPARE(readHttpReply(socket, Health, Timeout).status, 200);
            QByteArray received;
            connect(&socket, &QTcpSocket::readyRead, &socket, [&] { received += socket.readAll(); });
            socket.write(chunked ? chunkedHead : lengthHead);
            // 100 MiB in 1 MiB pieces, as fast as the server takes them, until it answers or closes.
            const QByteArray piece = chunked ? chunk(1024 * 1024 - 16) : QByteArray(1024 * 1024, 'x');
            for (int sent = 0; sent < 100 && socket.state() == QAbstractSocket::ConnectedState; ++sent) {
                socket.write(piece);
                [[maybe_unused]] const bool drained = QTest::qWaitFor([&] {
                    return socket.bytesToWrite() < 2 * piece.size()
                            || socket.state() != QAbstractSocket::ConnectedState;
                }, Timeout);
            }
            QVERIFY(QTest::qWaitFor([&] { return received.contains("\r\n\r\n"); }, Timeout));
            QVERIFY2(received.startsWith("HTTP/1.1 413 "), received.left(200).constData());
        }
    }
    const qint64 peak = server.memoryBytes("VmHWM:");
    qInfo("server RSS before %lld kB, peak %lld kB", before / 1024, peak / 1024);
    QVERIFY2(peak < before + 50 * 1024 * 1024, qPrintable(u"peak RSS %1 MB"_s.arg(peak >> 20)));

    QTcpSocket socket;
    QVERIFY(connectTo(socket, port));
    QCOMPARE(readHttpReply(socket, Health, Timeout).status, 200);
}

bool tst_HttpLimits::makeCertificate()
{
    if (QFile::exists(m_tlsDir.filePath(u"cert.pem"_s)))
        return true;
    QProcess openssl;
    openssl.start(u"openssl"_s,
                  {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-days"_s, u"2"_s,
                   u"-subj"_s, u"/CN=127.0.0.1"_s, u"-addext"_s, u"subjectAltName=IP:127.0.0.1"_s,
                   u"-keyout"_s, m_tlsDir.filePath(u"key.pem"_s), u"-out"_s, m_tlsDir.filePath(u"cert.pem"_s)});
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
        qWarning() << openssl.readAllStandardError();
        return false;
    }
    // A second, unrelated key, for the mismatch test.
    openssl.start(u"openssl"_s, {u"genpkey"_s, u"-algorithm"_s, u"RSA"_s, u"-out"_s,
                                 m_tlsDir.filePath(u"other-key.pem"_s)});
    return openssl.waitForFinished(30000) && openssl.exitCode() == 0;
}

void tst_HttpLimits::tlsServesHttpsAndWss()
{
    QVERIFY(makeCertificate());
    cortado::ServerConfig config;
    config.tls = cortado::TlsConfig{m_tlsDir.filePath(u"cert.pem"_s), m_tlsDir.filePath(u"key.pem"_s)};
    ExampleServer server(config);
    QVERIFY(server.isListening());
    QCOMPARE(server.server().httpUrl().scheme(), u"https"_s);
    QCOMPARE(server.server().webSocketUrl(u"/chat"_s).scheme(), u"wss"_s);

    // Trust exactly this certificate: the handshake verifies it as a real client would.
    QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
    trust.setCaCertificates(QSslCertificate::fromPath(m_tlsDir.filePath(u"cert.pem"_s)));

    QSslSocket https;
    https.setSslConfiguration(trust);
    https.connectToHostEncrypted(u"127.0.0.1"_s, server.port());
    // The server runs in this thread: wait with the event loop running, never waitForEncrypted().
    QVERIFY2(QTest::qWaitFor([&] { return https.isEncrypted(); }, Timeout), qPrintable(https.errorString()));
    for (int i = 0; i < 2; ++i) { // keep-alive over TLS
        const HttpReply reply = readHttpReply(https, Health, Timeout);
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.json().value("status"_L1).toString(), u"ok"_s);
    }
    // A refusal over TLS arrives encrypted too.
    const HttpReply refused = readHttpReply(
            https, "POST /api/rooms/a/broadcast HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n", Timeout);
    QCOMPARE(refused.status, 413);

    QWebSocket wss;
    wss.setSslConfiguration(trust);
    QStringList texts;
    connect(&wss, &QWebSocket::textMessageReceived, &wss, [&](const QString &text) { texts.append(text); });
    wss.open(server.server().webSocketUrl(u"/chat"_s));
    QTRY_VERIFY_WITH_TIMEOUT(!texts.isEmpty(), Timeout);
    QVERIFY(texts.first().contains("system:welcome"_L1));
    QCOMPARE(server.hub().sessionCount(), 1);
    wss.sendTextMessage(uR"({"event":"room:join","room":"lobby","id":1})"_s);
    QTRY_VERIFY_WITH_TIMEOUT(texts.size() >= 2 && texts.last().contains("\"ack\""_L1), Timeout);
    wss.close();
    QTRY_COMPARE(server.hub().sessionCount(), 0);
}

void tst_HttpLimits::plainHttpOnTlsPortIsClosed()
{
    QVERIFY(makeCertificate());
    cortado::ServerConfig config;
    config.tls = cortado::TlsConfig{m_tlsDir.filePath(u"cert.pem"_s), m_tlsDir.filePath(u"key.pem"_s)};
    config.http.headTimeoutMs = 300;
    ExampleServer server(config);
    QVERIFY(server.isListening());

    QTcpSocket plain;
    QVERIFY(connectTo(plain, server.port()));
    plain.write(Health);
    const QByteArray received = readUntilClosed(plain);
    QVERIFY2(!received.contains("HTTP/1.1"), received.constData());
    QCOMPARE(plain.state(), QAbstractSocket::UnconnectedState);

    QTcpSocket silent; // never starts a handshake
    QVERIFY(connectTo(silent, server.port()));
    QVERIFY(waitClosed(silent));

    QSslSocket https;
    https.setSslConfiguration(QSslConfiguration::defaultConfiguration());
    https.setPeerVerifyMode(QSslSocket::VerifyNone);
    https.connectToHostEncrypted(u"127.0.0.1"_s, server.port());
    QVERIFY(QTest::qWaitFor([&] { return https.isEncrypted(); }, Timeout));
    QCOMPARE(readHttpReply(https, Health, Timeout).status, 200);
}

void tst_HttpLimits::badTlsFilesStopTheServer()
{
    QVERIFY(makeCertificate());
    const QString cert = m_tlsDir.filePath(u"cert.pem"_s);
    const QString key = m_tlsDir.filePath(u"key.pem"_s);
    const QString otherKey = m_tlsDir.filePath(u"other-key.pem"_s);
    const QList<std::pair<QStringList, QString>> cases{
            {{u"--tls-cert"_s, cert, u"--tls-key"_s, otherKey}, u"does not belong"_s},
            {{u"--tls-cert"_s, key, u"--tls-key"_s, key}, u"is not a PEM certificate"_s},
            {{u"--tls-cert"_s, cert, u"--tls-key"_s, m_tlsDir.filePath(u"missing.pem"_s)}, u"cannot read"_s},
            {{u"--tls-cert"_s, cert}, u"needs both"_s}};
    QTemporaryDir data;
    for (const auto &[arguments, message] : cases) {
        QProcess process;
        process.setProcessEnvironment(ServerProcess::environment(data.path()));
        process.start(ServerProcess::binary(), QStringList{u"--port"_s, u"0"_s} + arguments);
        QVERIFY(process.waitForFinished(10000));
        const QString error = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitCode(), 2);
        QVERIFY2(error.contains(u"cortado-server: "_s) && error.contains(message), qPrintable(error));
    }
    // The good pair starts, says https, and serves.
    ServerProcess server;
    QVERIFY(server.start({u"--port"_s, u"0"_s, u"--tls-cert"_s, cert, u"--tls-key"_s, key},
                         ServerProcess::environment(data.path())));
    QCOMPARE(server.url.scheme(), u"https"_s);
}

QTEST_GUILESS_MAIN(tst_HttpLimits)
#include "tst_httplimits.moc"
