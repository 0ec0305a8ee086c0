// The answer to one request, as a test reads it.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace cortado::test {

// The ack of a request, or the lack of one. A default-constructed Reply is a timeout.
//
//   const Reply reply = client->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi"_s}}, u"lobby"_s);
//   QVERIFY2(reply.ok(), qPrintable(reply.toString()));
//   QCOMPARE(reply.payload()[u"delivered"].toInt(), 2);
class Reply
{
public:
    Reply() = default;
    explicit Reply(QJsonObject ack) : m_frame(std::move(ack)), m_arrived(true) { }

    // True only for an ack that arrived with "ok": true (a timeout is not ok).
    bool ok() const { return m_arrived && m_frame.value(QLatin1String("ok")).toBool(); }
    // No ack arrived: not within the request's timeout, or the connection was closed or ended
    // before it came (TestClient then returns at once).
    bool timedOut() const { return !m_arrived; }
    // The ack's payload; undefined when it has none.
    QJsonValue payload() const { return m_frame.value(QLatin1String("payload")); }
    // error.code / error.message / error.details of an error ack; empty for ok acks and timeouts.
    QString errorCode() const { return error().value(QLatin1String("code")).toString(); }
    QString errorMessage() const { return error().value(QLatin1String("message")).toString(); }
    QJsonObject errorDetails() const { return error().value(QLatin1String("details")).toObject(); }
    QJsonValue id() const { return m_frame.value(QLatin1String("id")); }
    // The ack frame as received (empty on timeout).
    const QJsonObject &frame() const { return m_frame; }

    // For failure messages: "ok {...}", "error forbidden: ...", or "timed out".
    QString toString() const;

private:
    QJsonObject error() const { return m_frame.value(QLatin1String("error")).toObject(); }

    QJsonObject m_frame;
    bool m_arrived = false;
};

} // namespace cortado::test
