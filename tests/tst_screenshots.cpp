// The real console in a real X server (Xvfb) against a real server with traffic: a PNG of every page
// lands in <build>/screenshots/ (look at them: they must show live data).
#include "serverprocess.h"
#include "testclient.h"

#include <QDir>
#include <QImage>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;

class tst_Screenshots : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyPageShowsLiveData();
};

void tst_Screenshots::everyPageShowsLiveData()
{
    if (QStandardPaths::findExecutable(u"xvfb-run"_s).isEmpty())
        QFAIL("xvfb-run is missing (apt-get install xvfb xauth)");
    QTemporaryDir data;
    const QProcessEnvironment environment = ServerProcess::environment(data.path());
    ServerProcess server;
    QVERIFY(server.start({u"--port"_s, u"0"_s}, environment));

    const QString adminToken = QString::fromLatin1(ServerProcess::token(environment, u"ops"_s, {u"admin"_s}));
    QVERIFY(!adminToken.isEmpty());

    // Some life: chatters in two rooms, a board user, messages every 100 ms.
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

    const QString shots = QDir(QStringLiteral(CORTADO_BUILD_DIR)).filePath(u"screenshots"_s);
    QDir(shots).removeRecursively();
    QProcess console;
    QProcessEnvironment consoleEnvironment = QProcessEnvironment::systemEnvironment();
    consoleEnvironment.insert(u"XDG_CONFIG_HOME"_s, data.filePath(u"config"_s));
    consoleEnvironment.remove(u"QT_QPA_PLATFORM"_s);
    console.setProcessEnvironment(consoleEnvironment);
    console.setProcessChannelMode(QProcess::ForwardedChannels);
    console.start(u"xvfb-run"_s, {u"-a"_s, u"-s"_s, u"-screen 0 1280x800x24"_s, QStringLiteral(CORTADO_CONSOLE_BINARY),
                                  u"--url"_s, server.ws(u"/"_s).toString(), u"--token"_s, adminToken,
                                  u"--screenshots"_s, shots});
    QVERIFY(QTest::qWaitFor([&] { return console.state() == QProcess::NotRunning; }, 60000));
    QCOMPARE(console.exitCode(), 0);

    const QStringList pages{u"connect"_s, u"overview"_s, u"sockets"_s, u"rooms"_s, u"traffic"_s, u"playground"_s};
    for (int i = 0; i < pages.size(); ++i) {
        const QImage image(QDir(shots).filePath(u"%1-%2.png"_s.arg(i + 1).arg(pages.at(i))));
        QVERIFY2(!image.isNull(), qPrintable(pages.at(i)));
        QCOMPARE(image.size(), QSize(1280, 800));
        // Not a blank window: count the distinct colours in a sample.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 20, qPrintable(pages.at(i)));
    }
    qInfo("screenshots in %s", qPrintable(shots));
}

QTEST_GUILESS_MAIN(tst_Screenshots)
#include "tst_screenshots.moc"
