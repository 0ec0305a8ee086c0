#include "http.h"

#include <QJsonDocument>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace cortado {

QByteArray findHeader(const Headers &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (name.compare(key, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

std::optional<QJsonObject> Context::jsonBody(Error *error) const
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(m_request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        if (error)
            *error = Error::badRequest(protocol::errors::BadJson,
                                       u"request body must be a JSON object"_s);
        return std::nullopt;
    }
    return document.object();
}

HttpResponse HttpResponse::json(const QJsonValue &value, int status)
{
    HttpResponse response;
    response.status = status;
    if (value.isObject())
        response.body = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    else if (value.isArray())
        response.body = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    else // scalars: wrap, encode, unwrap, so strings are escaped like everywhere else
        response.body = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact).sliced(1).chopped(1);
    return response;
}

HttpResponse HttpResponse::later(std::function<void(Reply)> start)
{
    HttpResponse response;
    response.deferred = std::move(start);
    return response;
}

static QByteArray reasonPhrase(int status)
{
    static const QHash<int, QByteArray> reasons{
            {200, "OK"}, {201, "Created"}, {202, "Accepted"}, {204, "No Content"}, {304, "Not Modified"},
            {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
            {405, "Method Not Allowed"}, {409, "Conflict"}, {413, "Payload Too Large"},
            {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
            {500, "Internal Server Error"}, {503, "Service Unavailable"}};
    return reasons.value(status, "Status");
}

QByteArray HttpResponse::serialize(bool closeConnection) const
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
            + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\n";
    for (const auto &[name, value] : headers)
        out += name + ": " + value + "\r\n";
    if (closeConnection)
        out += "Connection: close\r\n";
    return out + "\r\n" + body;
}

HttpResponse HttpResponse::error(const Error &error)
{
    QJsonObject body = error.info().toJson();
    body.insert(u"error"_s, body.take(u"code"_s));
    body.insert(u"status"_s, error.status);
    HttpResponse response = json(body, error.status);
    // A rate limit says when to come back, in whole seconds as HTTP wants it.
    const QJsonValue retryAfterMs = error.details.toObject().value("retryAfterMs"_L1);
    if (error.status == 429 && retryAfterMs.isDouble())
        response.headers.append({"Retry-After", QByteArray::number((qint64(retryAfterMs.toDouble()) + 999) / 1000)});
    return response;
}

} // namespace cortado
