// /metrics: a real server scraped over HTTP after known traffic; the text parsed as Prometheus
// would: counters move by what was sent, labels are there, the role and the metrics port decide
// who may read, histogram buckets are cumulative, and the event-label cap holds.
#include "metrics/exporter.h"
#include "testing/httpwire.h"
#include "testserver.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <cortado/test.h>

using namespace Qt::StringLiterals;

class tst_Metrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void countersMoveByTheTrafficSent();
    void histogramBucketsAreCumulative();
    void histogramQuantileInterpolatesInsideItsBucket();
    void onlyTheAdminOrMetricsRoleMayScrape();
    void metricsPortAnswersWithoutAToken();
    void eventLabelsAreCappedPerRoute();
    void slowConsumersAndRefusedHandshakesAreCounted();
    void documentationAndDashboardNameRealMetrics();
};

namespace {

// One scrape as series → value; a series is the name with its labels as written.
struct Scrape
{
    QHash<QString, double> series;
    QString text;

    double value(const QString &name) const { return series.value(name, 0); }
    // Every series of `family` (name_bucket etc. are their own families here) whose labels contain `labels`.
    QStringList matching(const QString &family, const QString &labels = {}) const
    {
        QStringList result;
        for (auto it = series.cbegin(); it != series.cend(); ++it) {
            if ((it.key() == family || it.key().startsWith(family + u'{')) && it.key().contains(labels))
                result.append(it.key());
        }
        result.sort();
        return result;
    }
};

Scrape parse(const QByteArray &body)
{
    Scrape scrape;
    scrape.text = QString::fromUtf8(body);
    static const QRegularExpression sample(u"^([a-z_]+(?:\\{.*\\})?) (\\S+)$"_s);
    for (const QString &line : scrape.text.split(u'\n', Qt::SkipEmptyParts)) {
        if (line.startsWith(u'#'))
            continue;
        const QRegularExpressionMatch match = sample.match(line);
        if (!match.hasMatch()) {
            qWarning("not a sample line: %s", qPrintable(line));
            continue;
        }
        scrape.series.insert(match.captured(1), match.captured(2).toDouble());
    }
    return scrape;
}

Scrape scrape(const TestServer &server)
{
    const HttpReply reply = server.get(u"/metrics"_s, TestServer::token(u"prometheus"_s, {u"metrics"_s}));
    if (reply.status != 200)
        qWarning("GET /metrics: %d %s", reply.status, reply.body.constData());
    return parse(reply.body);
}

cortado::ServerConfig withoutRateLimits()
{
    cortado::ServerConfig config;
    config.limits.eventsPerSocket = cortado::RateLimit{};
    config.limits.eventsPerUser = cortado::RateLimit{};
    config.limits.guestEventsPerAddress = cortado::RateLimit{};
    return config;
}

QString chat(const char *series) // a series name from a raw string literal
{
    return QString::fromLatin1(series);
}

} // namespace

void tst_Metrics::countersMoveByTheTrafficSent()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->join(u"lobby"_s).ok());
    QVERIFY(bob->join(u"lobby"_s).ok());
    QSignalSpy sent(&server.hub(), &cortado::Hub::messageSent);

    const Scrape before = scrape(server);
    QCOMPARE(before.value(chat(R"(cortado_connections{route="/chat"})")), 2.0);
    QCOMPARE(before.value(chat(R"(cortado_rooms{route="/chat"})")), 1.0);

    // Three messages to a room of two, each frame of a known size.
    qint64 framesBytes = 0;
    for (int i = 101; i <= 103; ++i) { // ids of their own: request() numbers from 1
        const QString frame = u"{\"event\":\"chat:send\",\"room\":\"lobby\",\"id\":%1,\"payload\":{\"text\":\"hello %1\"}}"_s.arg(i);
        framesBytes += frame.toUtf8().size();
        alice->sendText(frame);
        QVERIFY(alice->waitForAck(i).ok());
    }
    // One refused (not in the room: an error ack), one without an id for no handler (system:error).
    QCOMPARE(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"x"_s}}, u"elsewhere"_s).errorCode(), u"not_in_room"_s);
    alice->send(u"nobody:listens"_s);
    QVERIFY(alice->waitFor(u"system:error"_s));
    QVERIFY(bob->waitFor(u"chat:message"_s, 3));

    qint64 messageBytes = 0, messageCopies = 0;
    for (const QList<QVariant> &signal : sent) {
        if (signal.at(1).toString() == "chat:message"_L1) {
            messageCopies += signal.at(2).toLongLong();
            messageBytes += signal.at(2).toLongLong() * signal.at(3).toLongLong();
        }
    }
    QCOMPARE(messageCopies, 6);

    const Scrape after = scrape(server);
    const auto delta = [&](const char *series) { return after.value(chat(series)) - before.value(chat(series)); };
    QCOMPARE(delta(R"(cortado_messages_received_total{route="/chat",event="chat:send"})"), 4.0);
    QCOMPARE(delta(R"(cortado_received_bytes_total{route="/chat",event="chat:send"})") >= double(framesBytes), true);
    QCOMPARE(delta(R"(cortado_messages_received_total{route="/chat",event="nobody:listens"})"), 1.0);
    QCOMPARE(delta(R"(cortado_messages_sent_total{route="/chat",event="chat:message"})"), 6.0);
    QCOMPARE(delta(R"(cortado_sent_bytes_total{route="/chat",event="chat:message"})"), double(messageBytes));
    QCOMPARE(delta(R"(cortado_acks_total{route="/chat",outcome="ok"})"), 3.0);
    QCOMPARE(delta(R"(cortado_acks_total{route="/chat",outcome="error"})"), 1.0);
    QCOMPARE(delta(R"(cortado_errors_total{code="not_in_room",kind="ack"})"), 1.0);
    QCOMPARE(delta(R"(cortado_errors_total{code="unknown_event",kind="system"})"), 1.0);
    // The handler ran for the three sends only (the refused one never reached it).
    QCOMPARE(delta(R"(cortado_handler_duration_seconds_count{route="/chat"})"), 3.0);
    QCOMPARE(delta(R"(cortado_messages_sent_total{route="/chat",event="ack"})"), 4.0);

    QVERIFY(after.value(u"cortado_process_resident_memory_bytes"_s) > 1024 * 1024);
    QVERIFY(after.value(u"cortado_process_cpu_seconds_total"_s) > 0);
    QVERIFY2(after.text.contains(u"# TYPE cortado_messages_sent_total counter\n"_s), qPrintable(after.text));

    bob->close();
    QTRY_COMPARE(scrape(server).value(chat(R"(cortado_connections{route="/chat"})")), 1.0);
}

void tst_Metrics::histogramBucketsAreCumulative()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    QVERIFY(alice->join(u"lobby"_s).ok());
    for (int i = 0; i < 20; ++i)
        QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hi"_s}}, u"lobby"_s).ok());

    const Scrape metrics = scrape(server);
    const QStringList buckets = metrics.matching(u"cortado_handler_duration_seconds_bucket"_s, uR"(route="/chat")"_s);
    QVERIFY2(buckets.size() >= 10, qPrintable(metrics.text));
    // In the order of their bounds, +Inf last.
    QList<QPair<double, double>> bounds; // le → count
    static const QRegularExpression le(uR"re(le="([^"]+)")re"_s);
    for (const QString &series : buckets) {
        const QString bound = le.match(series).captured(1);
        bounds.append({bound == "+Inf"_L1 ? qInf() : bound.toDouble(), metrics.value(series)});
    }
    std::sort(bounds.begin(), bounds.end());
    for (qsizetype i = 1; i < bounds.size(); ++i)
        QVERIFY2(bounds.at(i).second >= bounds.at(i - 1).second, qPrintable(metrics.text));
    QVERIFY(qIsInf(bounds.last().first));
    const double count = metrics.value(uR"(cortado_handler_duration_seconds_count{route="/chat"})"_s);
    QCOMPARE(bounds.last().second, count);
    QVERIFY(count >= 21); // the join and the twenty sends
    QVERIFY(metrics.value(uR"(cortado_handler_duration_seconds_sum{route="/chat"})"_s) > 0);
}

// The console's "handler time p50 / p99" comes from these quantiles over a second's observations.
void tst_Metrics::histogramQuantileInterpolatesInsideItsBucket()
{
    using cortado::metrics::Histogram;
    QCOMPARE(Histogram::quantile(Histogram::Counts{}, 0.5), -1.0); // nothing observed

    Histogram histogram;
    for (int i = 0; i < 90; ++i)
        histogram.observe(50'000); // 50 µs: the first bucket, up to 100 µs
    for (int i = 0; i < 10; ++i)
        histogram.observe(800'000); // 800 µs: the bucket from 500 µs to 1 ms
    const Histogram::Counts counts = histogram.counts();
    QCOMPARE(counts[0], 90);
    QCOMPARE(counts[3], 10);
    // The median is the 50th of 90 in [0, 100 µs]; the 99th percentile the 9th of 10 in [500 µs, 1 ms].
    QCOMPARE(Histogram::quantile(counts, 0.5), 0.0001 * 50 / 90);
    QCOMPARE(Histogram::quantile(counts, 0.99), 0.0005 + 0.0005 * 9 / 10);

    Histogram slow;
    slow.observe(20'000'000'000); // 20 s, above the last bound: it answers the last bound
    QCOMPARE(slow.counts().back(), 1);
    QCOMPARE(Histogram::quantile(slow.counts(), 0.99), 10.0);
}

void tst_Metrics::onlyTheAdminOrMetricsRoleMayScrape()
{
    ExampleServer server;
    QCOMPARE(server.get(u"/metrics"_s).status, 401);
    QCOMPARE(server.get(u"/metrics"_s, TestServer::token(u"mallory"_s)).status, 403);
    QCOMPARE(server.get(u"/metrics"_s, TestServer::token(u"pub"_s, {u"publisher"_s})).status, 403);
    for (const QString &role : {u"metrics"_s, u"admin"_s}) {
        const HttpReply reply = server.get(u"/metrics"_s, TestServer::token(u"ops"_s, {role}));
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.header("content-type"), QByteArray(cortado::MetricsExporter::ContentType));
        QVERIFY(reply.body.contains("\ncortado_process_resident_memory_bytes "));
    }
}

void tst_Metrics::metricsPortAnswersWithoutAToken()
{
    cortado::ServerConfig config;
    config.metricsPort = 0; // any free port, on 127.0.0.1 by default
    ExampleServer server(config);
    const quint16 port = server.server().metrics().port();
    QVERIFY(port > 0 && port != server.port());
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);

    const HttpReply reply = cortado::test::exchangeHttp(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("content-type"), QByteArray(cortado::MetricsExporter::ContentType));
    QCOMPARE(parse(reply.body).value(uR"(cortado_connections{route="/chat"})"_s), 1.0);
    // Only /metrics lives there.
    QCOMPARE(cortado::test::exchangeHttp(port, "GET /api/rooms HTTP/1.1\r\nHost: x\r\n\r\n", 5000).status, 404);
    QCOMPARE(cortado::test::exchangeHttp(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 5000).status, 405);
}

void tst_Metrics::eventLabelsAreCappedPerRoute()
{
    ExampleServer server(withoutRateLimits());
    auto alice = server.client(u"/chat"_s);
    QVERIFY(alice);
    // 300 distinct event names (nothing handles them: each gets an error ack).
    for (int i = 0; i < 300; ++i)
        alice->sendFrame(QJsonObject{{u"event"_s, u"spam:e%1"_s.arg(i)}, {u"id"_s, i + 1}});
    QVERIFY(alice->waitForAck(300).errorCode() == "unknown_event"_L1);

    const Scrape metrics = scrape(server);
    const QStringList series = metrics.matching(u"cortado_messages_received_total"_s, uR"(route="/chat")"_s);
    const qsizetype cap = cortado::metrics::TrafficMetrics::MaxEventsPerRoute;
    QVERIFY2(series.size() <= cap + 1, qPrintable(QString::number(series.size())));
    const QString other = uR"(cortado_messages_received_total{route="/chat",event="other"})"_s;
    QVERIFY2(series.contains(other), qPrintable(metrics.text.left(2000)));
    // Nothing is lost: the labelled ones and "other" add up to every frame.
    double total = 0;
    for (const QString &name : series)
        total += metrics.value(name);
    QCOMPARE(total, 300.0);
    QCOMPARE(metrics.value(other), 300.0 - double(series.size() - 1));
}

void tst_Metrics::slowConsumersAndRefusedHandshakesAreCounted()
{
    cortado::ServerConfig config;
    config.webSocket.maxQueuedBytes = 64 * 1024;
    config.webSocket.closeTimeoutMs = 500;
    ExampleServer server(config);

    // Refused: no such route (404), and a bad token (401).
    QVERIFY(!server.client(u"/nowhere"_s));
    cortado::test::TestClient forged;
    QVERIFY(!forged.open(server.wsUrl(u"/chat?token=forged"_s), 2000));

    // A socket that never reads what it is sent.
    QTcpSocket slow;
    slow.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(slow.waitForConnected(5000));
    slow.write("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QTRY_COMPARE(server.hub().sessionCount(), 1);
    slow.setReadBufferSize(1); // from here on the kernel's buffers fill, then the server's queue
    const cortado::SocketId slowId = server.hub().sessions(u"/chat"_s).first()->id();
    cortado::Message message;
    message.event = u"chat:message"_s;
    message.payload = QString(8 * 1024, u'x');
    for (int sent = 0; server.hub().session(slowId) && sent < 20'000; ++sent) {
        server.hub().send(cortado::Target::socket(slowId), message);
        QCoreApplication::processEvents();
    }
    QTRY_VERIFY(!server.hub().session(slowId));

    const Scrape metrics = scrape(server);
    QCOMPARE(metrics.value(uR"(cortado_slow_consumer_disconnects_total{route="/chat"})"_s), 1.0);
    QCOMPARE(metrics.value(uR"(cortado_refused_handshakes_total{status="404",reason="not_found"})"_s), 1.0);
    QCOMPARE(metrics.value(uR"(cortado_refused_handshakes_total{status="401",reason="unauthorized"})"_s), 1.0);
}

// docs/metrics.md lists what a scrape has (cluster ones need Redis: documented, not scraped here),
// and the Grafana dashboard reads only documented metrics.
void tst_Metrics::documentationAndDashboardNameRealMetrics()
{
    const auto read = [](const char *path) {
        QFile file(QString::fromLatin1(CORTADO_SOURCE_DIR) + u'/' + QString::fromLatin1(path));
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    };
    static const QRegularExpression row(u"^\\| `(cortado_[a-z_]+)` \\|"_s, QRegularExpression::MultilineOption);
    QSet<QString> documented;
    for (const QRegularExpressionMatch &match : row.globalMatch(read("docs/metrics.md")))
        documented.insert(match.captured(1));
    QVERIFY(documented.size() > 20);

    QTemporaryDir data;
    ExampleServer server(TestServer::withStorage(u"sqlite:"_s + data.filePath(u"cortado.db"_s)));
    static const QRegularExpression type(u"^# TYPE (cortado_[a-z_]+) "_s, QRegularExpression::MultilineOption);
    QSet<QString> scraped;
    for (const QRegularExpressionMatch &match : type.globalMatch(scrape(server).text))
        scraped.insert(match.captured(1));
    QSet<QString> expected = documented;
    expected.removeIf([](const QString &name) { return name.startsWith("cortado_cluster_"_L1); });
    QCOMPARE(scraped, expected);

    static const QRegularExpression used(u"cortado_[a-z_]+"_s);
    QStringList unknown;
    for (const QRegularExpressionMatch &match : used.globalMatch(read("docs/grafana-cortado.json"))) {
        QString name = match.captured(0);
        name.remove(QRegularExpression(u"_(bucket|sum|count)$"_s));
        if (!documented.contains(name))
            unknown.append(name);
    }
    QVERIFY2(unknown.isEmpty(), qPrintable(unknown.join(u", "_s)));
}

QTEST_GUILESS_MAIN(tst_Metrics)
#include "tst_metrics.moc"
