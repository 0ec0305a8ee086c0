// The project's own test support on top of the public test library (<cortado/test.h>): the example
// app on a TestServer, and raw HTTP for the transport's tests.
#pragma once

#include <cortado/test.h>

#include <QJsonArray>

using cortado::test::HttpReply;
using cortado::test::Reply;
using cortado::test::TestClient;
using cortado::test::TestServer;

class QTcpSocket;

// The example application (setupExampleApp with TestServer::tokenConfig()) on a TestServer.
class ExampleServer : public TestServer
{
public:
    explicit ExampleServer(cortado::ServerConfig config = {});
    // setupExampleApp as a TestServer::Setup, for tests that add to it.
    static Setup exampleApp();
};

// Sends raw bytes on a new TCP connection to `server` and reads one response.
HttpReply rawHttp(const TestServer &server, const QByteArray &request, int timeoutMs = 5000);
// Writes `request` on an open socket and reads one response.
HttpReply readHttpReply(QTcpSocket &socket, const QByteArray &request, int timeoutMs);
