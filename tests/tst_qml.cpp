// Qt Quick Test for the console's pages: the QML under tests/qml/, run offscreen, with a real
// AdminClient fed canned admin messages, and (liveServer) another connected to a real server on
// 127.0.0.1 for what only a server shows, such as paging through more rows than one page. The C++
// side is set up here.
#include "adminclient.h"
#include "consoletypes.h"
#include "playground.h"
#include "testserver.h"

#include <QApplication>
#include <QFile>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QTest>
#include <QtQuickTest>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

// Files for the tests that export through a file dialog: a fresh folder, and what a file holds.
class TestFiles : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString folder READ folder CONSTANT)

public:
    QString folder() const { return m_dir.path(); }
    // The file's text; "" if it cannot be read.
    Q_INVOKABLE QString read(const QString &path) const
    {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    }

private:
    QTemporaryDir m_dir;
};

// The example app on a TestServer, started when a test asks (the other tests need no server), with
// clients holding rooms open, and an AdminClient connected to it as an observer.
class LiveServer : public QObject
{
    Q_OBJECT
    Q_PROPERTY(AdminClient *admin READ admin CONSTANT)

public:
    AdminClient *admin() { return &m_admin; }

    // Starts the server, opens `rooms` rooms ("room-000", "room-001", ...) with a client in each,
    // and connects admin (its state turns Connected once the snapshot is in). False, with a
    // warning, if the server did not listen or a join was refused.
    Q_INVOKABLE bool start(int rooms)
    {
        m_server = std::make_unique<ExampleServer>();
        if (!m_server->isListening())
            return false;
        // A socket joins at most protocol::MaxRoomsPerSocket (128) rooms: 100 each. The joins go
        // out together and their acks are awaited once (one by one, 600 take 20 s).
        QObject pending; // drops the callbacks of acks still out if this returns first
        int unanswered = rooms;
        bool refused = false;
        for (int i = 0; i < rooms; ++i) {
            if (i % 100 == 0) {
                m_clients.push_back(m_server->client(u"/chat"_s, u"user%1"_s.arg(i / 100)));
                if (!m_clients.back())
                    return false;
            }
            const QString room = u"room-%1"_s.arg(i, 3, 10, QChar(u'0'));
            m_clients.back()->client().join(room)->then(&pending, [&, room](const cortado::Reply &reply) {
                --unanswered;
                if (!reply.ok()) {
                    qWarning() << room << "not joined:" << reply.errorCode() << reply.errorMessage();
                    refused = true;
                }
            });
        }
        if (!QTest::qWaitFor([&] { return unanswered == 0; }, 30000) || refused)
            return false;
        m_admin.connectTo(m_server->wsUrl(u"/"_s).toString(),
                          QString::fromLatin1(TestServer::token(u"ops"_s, {u"observer"_s})));
        return true;
    }

private:
    std::unique_ptr<ExampleServer> m_server;
    std::vector<std::unique_ptr<TestClient>> m_clients;
    AdminClient m_admin;
};

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->rootContext()->setContextProperty(QStringLiteral("adminClient"), &m_admin);
        engine->rootContext()->setContextProperty(QStringLiteral("playgroundObject"), &m_playground);
        engine->rootContext()->setContextProperty(QStringLiteral("qmlViews"), QStringLiteral(CORTADO_QML_DIR));
        engine->rootContext()->setContextProperty(QStringLiteral("liveServer"), &m_live);
        engine->rootContext()->setContextProperty(QStringLiteral("testFiles"), &m_files);
    }

private:
    AdminClient m_admin;
    LiveServer m_live;
    TestFiles m_files;
    QTemporaryDir m_settings;
    Playground m_playground{m_settings.filePath(QStringLiteral("console.ini")), &m_admin};
};

int main(int argc, char **argv)
{
    QApplication app(argc, argv); // Qt Charts' QML types (the Overview's charts) need QApplication
    registerConsoleTypes(); // and the console's style, before any QML loads
    QTEST_SET_MAIN_SOURCE_PATH
    Setup setup;
    return quick_test_main_with_setup(argc, argv, "tst_qml", QUICK_TEST_SOURCE_DIR, &setup);
}
#include "tst_qml.moc"
