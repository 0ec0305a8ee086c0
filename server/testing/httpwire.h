// Internal to cortado_testing (and the project's own tests): HTTP/1.1 bytes on a socket.
#pragma once

#include "testserver.h"

#include <QTcpSocket>

namespace cortado::test {

// Writes `request` and reads one response (head, then Content-Length bytes of body, or until the
// server closes); status 0 if no complete head arrived within `timeoutMs`.
HttpReply readHttpReply(QTcpSocket &socket, const QByteArray &request, int timeoutMs);
// The same on a new connection to 127.0.0.1:`port`.
HttpReply exchangeHttp(quint16 port, const QByteArray &request, int timeoutMs);

} // namespace cortado::test
