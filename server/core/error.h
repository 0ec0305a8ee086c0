// A client-visible error as a value: handlers return it, acks and HTTP responses carry it.
#pragma once

#include "cortado/protocol.h"

#include <QJsonValue>
#include <QString>

namespace cortado {

// A client-visible error. `status` is used where the error ends an HTTP request or refuses a
// WebSocket upgrade; events answer with `code` and `message` only.
struct Error
{
    int status = 400;
    QString code;
    QString message;
    QJsonValue details = QJsonValue::Undefined;

    static Error badRequest(QString code, QString message);
    static Error unauthorized(QString message);
    static Error forbidden(QString message);
    static Error notFound(QString message);
    static Error internal(QString message);
    // The server cannot take this now (storage busy, a capacity limit); the client may retry later.
    // 503 over HTTP, `overloaded` everywhere.
    static Error overloaded(QString message);

    protocol::ErrorInfo info() const { return {code, message, details}; }
};

} // namespace cortado
