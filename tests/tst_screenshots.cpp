// The console's real window (Main.qml with the real AdminClient and models, composed as
// console/main.cpp composes them) in a real X server (ctest runs this under xvfb-run), against a real
// server with traffic: a PNG of every page lands in <build>/screenshots/ (look at them: they must
// show live data). The harness is the test's: it waits for data, then for a rendered frame per page.
#include "adminclient.h"
#include "consolesettings.h"
#include "consoletypes.h"
#include "playground.h"
#include "redis.h"
#include "serverprocess.h"
#include "testclient.h"
#include "testserver.h"
#include "tokenstore.h"

#include <cortado/cluster.h>

#include <QDir>
#include <QtCharts/QXYSeries>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;

class tst_Screenshots : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { registerConsoleTypes(); }
    void everyPageShowsLiveData();
    void nodesAndSocketsOfACluster();
};

namespace {

// Puts `page` on screen and saves it as <build>/screenshots/<name>.png; false if it looks blank.
bool shoot(QQuickWindow *window, int page, const QString &name)
{
    window->setProperty("currentPage", page);
    QSignalSpy swapped(window, &QQuickWindow::frameSwapped);
    window->requestUpdate();
    if (!swapped.wait(5000))
        return false;
    const QImage image = window->grabWindow();
    const QString shots = QDir(QStringLiteral(CORTADO_BUILD_DIR)).filePath(u"screenshots"_s);
    if (!QDir().mkpath(shots) || !image.save(QDir(shots).filePath(name + u".png"_s)))
        return false;
    QSet<QRgb> colours; // not a blank window: count the distinct colours in a sample
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    return colours.size() > 20;
}

} // namespace

void tst_Screenshots::everyPageShowsLiveData()
{
    if (QGuiApplication::platformName() != "xcb"_L1)
        QFAIL("run under xvfb-run (ctest does): the screenshots are of a real X window");
    QTemporaryDir data;
    const QProcessEnvironment environment = ServerProcess::environment(data.path());
    ServerProcess server;
    QVERIFY(server.start({u"--port"_s, u"0"_s}, environment));
    const QString adminToken = QString::fromLatin1(ServerProcess::token(environment, u"ops"_s, {u"admin"_s}));
    QVERIFY(!adminToken.isEmpty());

    // Some life: chatters in two rooms, a message every 100 ms (traffic, not a wait).
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < 6; ++i) {
        auto client = std::make_unique<TestClient>();
        QVERIFY(client->open(server.ws(u"/chat"_s)));
        QVERIFY(client->join(i < 4 ? u"lobby"_s : u"support"_s).ok());
        clients.push_back(std::move(client));
    }
    QTimer chatter;
    int n = 0;
    connect(&chatter, &QTimer::timeout, this, [&] {
        TestClient &sender = *clients.at(std::size_t(n % 6));
        sender.send(u"chat:send"_s, QJsonObject{{u"text"_s, u"message %1"_s.arg(n)}}, n % 6 < 4 ? u"lobby"_s : u"support"_s);
        ++n;
    });
    chatter.start(100);

    // The console, composed as console/main.cpp composes it, from the QML in the source tree.
    TokenStore store(data.filePath(u"config"_s));
    AdminClient admin;
    Playground playground(store.settingsPath(), &admin);
    ConsoleSettings settings(store, server.ws(u"/"_s).toString(), adminToken);
    QQmlApplicationEngine engine;
    engine.setInitialProperties({{u"admin"_s, QVariant::fromValue(&admin)},
                                 {u"playground"_s, QVariant::fromValue(&playground)},
                                 {u"settings"_s, QVariant::fromValue(&settings)}});
    engine.load(QUrl::fromLocalFile(QStringLiteral(CORTADO_QML_DIR "/Main.qml")));
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
    QVERIFY(window);
    QVERIFY(QTest::qWaitForWindowExposed(window));

    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    QSignalSpy done(&admin, &AdminClient::actionDone);
    admin.connectTo(settings.url(), settings.token());
    QVERIFY(snapshot.wait(10000));
    admin.setTap({{u"payloads"_s, true}});
    QVERIFY(done.wait(5000)); // the tap is on
    // Data on every page: sockets, rooms, and traffic through the tap.
    QTRY_VERIFY_WITH_TIMEOUT(admin.traffic()->rowCount() >= 10, 10000);
    QCOMPARE(admin.sockets()->rowCount(), 6);
    QMetaObject::invokeMethod(window, "showSampleSelections");
    QTRY_VERIFY(!playground.connections().isEmpty());

    // The Overview's charts need a few seconds of counters to draw lines; the last minute shows them.
    QTRY_VERIFY_WITH_TIMEOUT(admin.metricsHistory()->size() >= 5, 15000);
    QObject *overview = window->findChild<QObject *>(u"overviewPage"_s);
    QVERIFY(overview);
    overview->setProperty("windowSeconds", 60);

    const QString shots = QDir(QStringLiteral(CORTADO_BUILD_DIR)).filePath(u"screenshots"_s);
    QDir(shots).removeRecursively();
    QVERIFY(QDir().mkpath(shots));
    const QStringList pages{u"connect"_s, u"overview"_s, u"nodes"_s, u"sockets"_s, u"rooms"_s, u"traffic"_s, u"playground"_s};
    const QStringList titles{u"Connect"_s, u"Overview"_s, u"Nodes"_s, u"Sockets"_s, u"Rooms"_s, u"Traffic"_s, u"Playground"_s};
    auto *pageTitle = window->findChild<QObject *>(u"pageTitle"_s);
    QVERIFY(pageTitle);
    for (const QString &theme : {u"light"_s, u"dark"_s}) {
        settings.setTheme(theme);
        for (int i = 0; i < pages.size(); ++i) {
            const QString name = u"%1-%2-%3"_s.arg(theme).arg(i + 1).arg(pages.at(i));
            window->setProperty("currentPage", i);
            QSignalSpy swapped(window, &QQuickWindow::frameSwapped);
            window->requestUpdate();
            QVERIFY2(swapped.wait(5000), qPrintable(name)); // the page is on screen
            QCOMPARE(pageTitle->property("text").toString(), titles.at(i));
            const QImage image = window->grabWindow();
            QVERIFY(image.save(QDir(shots).filePath(name + u".png"_s)));
            QCOMPARE(image.size(), QSize(1280, 800) * window->devicePixelRatio());
            // Not a blank window: count the distinct colours in a sample.
            QSet<QRgb> colours;
            for (int y = 0; y < image.height(); y += 7)
                for (int x = 0; x < image.width(); x += 7)
                    colours.insert(image.pixel(x, y));
            QVERIFY2(colours.size() > 20, qPrintable(name));
            // The theme is really applied: the page's background (below the navigation's last
            // entry, left edge) is dark in dark and light in light.
            const int lightness = QColor(image.pixel(20 * int(window->devicePixelRatio()), image.height() - 80)).lightness();
            QVERIFY2(theme == "dark"_L1 ? lightness < 90 : lightness > 200,
                     qPrintable(u"%1: background lightness %2"_s.arg(name).arg(lightness)));
        }
    }

    // What the pages show is the live data, found by name rather than guessed from pixels.
    QObject *messages = window->findChild<QObject *>(u"chartMessages"_s);
    QVERIFY(messages);
    QCOMPARE(messages->property("count").toInt(), 2); // in and out
    QAbstractSeries *in = nullptr;
    QMetaObject::invokeMethod(messages, "series", Q_RETURN_ARG(QAbstractSeries *, in), Q_ARG(int, 0));
    QVERIFY(in);
    QVERIFY(qobject_cast<QXYSeries *>(in)->count() >= 5);
    QObject *connections = window->findChild<QObject *>(u"statConnections"_s);
    QVERIFY(connections);
    // Six chatters and the playground's test clients.
    const int expected = 6 + int(playground.connections().size());
    QCOMPARE(admin.counters().value(u"connections"_s).toInt(), expected);
    QCOMPARE(connections->property("value").toString(), QString::number(expected));
    QCOMPARE(window->findChild<QObject *>(u"alertsTitle"_s)->property("text").toString(),
             u"No alerts: nothing needs an operator"_s);
    settings.setTheme(u"system"_s);

    // The keyboard: Ctrl+3 opens Nodes, Ctrl+6 Traffic, where Ctrl+F puts the cursor in the search
    // and Ctrl+P pauses the log.
    window->requestActivate();
    QVERIFY(QTest::qWaitForWindowActive(window));
    QTest::keyClick(window, Qt::Key_3, Qt::ControlModifier);
    QTRY_COMPARE(window->property("currentPage").toInt(), 2);
    QTest::keyClick(window, Qt::Key_6, Qt::ControlModifier);
    QTRY_COMPARE(window->property("currentPage").toInt(), 5);
    QTest::keyClick(window, Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(window->findChild<QObject *>(u"trafficSearch"_s)->property("activeFocus").toBool());
    const bool paused = admin.traffic()->paused();
    QTest::keyClick(window, Qt::Key_P, Qt::ControlModifier);
    QTRY_COMPARE(admin.traffic()->paused(), !paused);
    QTest::keyClick(window, Qt::Key_P, Qt::ControlModifier);
    QTRY_COMPARE(admin.traffic()->paused(), paused);
    qInfo("screenshots in %s", qPrintable(shots));
}

// Two nodes in this process on a real Redis, the console on node a: the Nodes page lists both with
// live figures, and the Sockets page every node's sockets with their node.
void tst_Screenshots::nodesAndSocketsOfACluster()
{
    if (QGuiApplication::platformName() != "xcb"_L1)
        QFAIL("run under xvfb-run (ctest does): the screenshots are of a real X window");
    RedisInstance redis;
    CORTADO_START_REDIS(redis);
    std::vector<std::unique_ptr<TestServer>> nodes;
    for (const QString &id : {u"a"_s, u"b"_s}) {
        cortado::ServerConfig config;
        config.ioThreads = 1;
        config.cluster = cortado::cluster::ClusterConfig{redis.url(), id, 500};
        nodes.push_back(std::make_unique<TestServer>(ExampleServer::exampleApp(), config));
        QVERIFY(nodes.back()->isListening());
    }
    std::vector<std::unique_ptr<TestClient>> clients;
    const QStringList users{u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s, u"erin"_s, u"frank"_s, u"grace"_s};
    for (int i = 0; i < users.size(); ++i) {
        clients.push_back(nodes.at(i < 3 ? 0 : 1)->client(u"/chat"_s, users.at(i)));
        QVERIFY(clients.back() && clients.back()->join(u"lobby"_s).ok());
    }
    QTimer chatter;
    int n = 0;
    connect(&chatter, &QTimer::timeout, this, [&] {
        clients.at(std::size_t(n % 7))->send(u"chat:send"_s, QJsonObject{{u"text"_s, u"message %1"_s.arg(n)}}, u"lobby"_s);
        ++n;
    });
    chatter.start(100);

    QTemporaryDir data;
    TokenStore store(data.filePath(u"config"_s));
    AdminClient admin;
    Playground playground(store.settingsPath(), &admin);
    ConsoleSettings settings(store, nodes.at(0)->wsUrl(u"/"_s).toString(),
                             QString::fromLatin1(TestServer::token(u"ops"_s, {u"admin"_s})));
    QQmlApplicationEngine engine;
    engine.setInitialProperties({{u"admin"_s, QVariant::fromValue(&admin)},
                                 {u"playground"_s, QVariant::fromValue(&playground)},
                                 {u"settings"_s, QVariant::fromValue(&settings)}});
    engine.load(QUrl::fromLocalFile(QStringLiteral(CORTADO_QML_DIR "/Main.qml")));
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
    QVERIFY(window);
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QSignalSpy snapshot(&admin, &AdminClient::snapshotApplied);
    admin.connectTo(settings.url(), settings.token());
    QVERIFY(snapshot.wait(10000));
    QVERIFY(admin.clusterMode());

    // Both nodes, with b's chatters and its traffic from its heartbeats (every 2 s).
    NodesModel &model = *admin.nodes();
    QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() == 2 && model.index(1).data(NodesModel::ConnectionsRole).toInt() == 4
                                     && model.index(1).data(NodesModel::MessagesPerSecondRole).toDouble() > 0
                                     && model.index(0).data(NodesModel::MessagesPerSecondRole).toDouble() > 0,
                             15000);
    QVERIFY(shoot(window, 2, u"cluster-nodes"_s));
    // The Sockets page asks every node when it opens.
    QSignalSpy refreshed(&admin, &AdminClient::socketsRefreshed);
    window->setProperty("currentPage", 3);
    QVERIFY(refreshed.wait(5000) || !refreshed.isEmpty());
    QCOMPARE(admin.sockets()->rowCount(), 7);
    QVERIFY(shoot(window, 3, u"cluster-sockets"_s));
}

QTEST_MAIN(tst_Screenshots)
#include "tst_screenshots.moc"
