#include "testserver.h"

#include "exampleapp.h"
#include "testing/httpwire.h"

TestServer::Setup ExampleServer::exampleApp()
{
    return [](cortado::Server &server) { setupExampleApp(server, tokenConfig()); };
}

ExampleServer::ExampleServer(cortado::ServerConfig config) : TestServer(exampleApp(), std::move(config)) { }

HttpReply rawHttp(const TestServer &server, const QByteArray &request, int timeoutMs)
{
    return cortado::test::exchangeHttp(server.port(), request, timeoutMs);
}

HttpReply readHttpReply(QTcpSocket &socket, const QByteArray &request, int timeoutMs)
{
    return cortado::test::readHttpReply(socket, request, timeoutMs);
}
