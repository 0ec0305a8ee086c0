// cortado-console: the admin console. Composition only: models and views live in the libraries.
#include "adminclient.h"
#include "consoletypes.h"
#include "playground.h"
#include "tokenstore.h"

#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTimer>

using namespace Qt::StringLiterals;

// Remembered connection details, for the connect page.
class ConsoleSettings : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString url READ url CONSTANT)
    Q_PROPERTY(QString token READ token CONSTANT)

public:
    ConsoleSettings(TokenStore &store, QString url, QString token)
        : m_store(store), m_url(std::move(url)), m_token(std::move(token)) { }
    QString url() const { return m_url; }
    QString token() const { return m_token; }
    Q_INVOKABLE void remember(const QString &url, const QString &token) { m_store.save(url, token); }

private:
    TokenStore &m_store;
    QString m_url, m_token;
};

// --screenshots DIR: once the snapshot is in and traffic has flowed, save every page as PNG and quit.
static void takeScreenshots(QQmlApplicationEngine &engine, AdminClient &admin, const QString &directory)
{
    QDir().mkpath(directory);
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
    auto shoot = [window, directory](auto &&self, int page) -> void {
        const QStringList names{u"connect"_s, u"overview"_s, u"sockets"_s, u"rooms"_s, u"traffic"_s, u"playground"_s};
        if (page >= names.size()) {
            QCoreApplication::exit(0);
            return;
        }
        window->setProperty("currentPage", page);
        QTimer::singleShot(700, window, [=] {
            window->grabWindow().save(QDir(directory).filePath(u"%1-%2.png"_s.arg(page + 1).arg(names.at(page))));
            self(self, page + 1);
        });
    };
    QObject::connect(&admin, &AdminClient::snapshotApplied, window, [=] {
        QMetaObject::invokeMethod(window, "prepareScreenshots");
        QTimer::singleShot(4000, window, [=] { shoot(shoot, 0); });
    }, Qt::SingleShotConnection);
    QTimer::singleShot(30000, [] { QCoreApplication::exit(3); }); // never hang a test
}

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(u"cortado-console"_s);
    QGuiApplication::setOrganizationName(u"cortado"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Cortado admin console"_s);
    parser.addHelpOption();
    const QCommandLineOption urlOption(u"url"_s, u"Server, e.g. ws://127.0.0.1:8080 (CORTADO_CONSOLE_URL)."_s, u"url"_s);
    const QCommandLineOption tokenOption(u"token"_s, u"Admin token (CORTADO_CONSOLE_TOKEN)."_s, u"token"_s);
    const QCommandLineOption shotsOption(u"screenshots"_s, u"Save a PNG of every page into DIR, then quit."_s, u"dir"_s);
    parser.addOptions({urlOption, tokenOption, shotsOption});
    parser.process(app);

    TokenStore store(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation));
    QString url = parser.isSet(urlOption) ? parser.value(urlOption) : qEnvironmentVariable("CORTADO_CONSOLE_URL");
    QString token = parser.isSet(tokenOption) ? parser.value(tokenOption) : qEnvironmentVariable("CORTADO_CONSOLE_TOKEN");
    const bool connectNow = !url.isEmpty();
    if (url.isEmpty())
        url = store.url().isEmpty() ? u"ws://127.0.0.1:8080"_s : store.url();
    if (token.isEmpty())
        token = store.token();

    registerConsoleTypes();
    AdminClient admin;
    Playground playground(store.settingsPath());
    ConsoleSettings settings(store, url, token);

    QQmlApplicationEngine engine;
    engine.setInitialProperties({{u"admin"_s, QVariant::fromValue(&admin)},
                                 {u"playground"_s, QVariant::fromValue(&playground)},
                                 {u"settings"_s, QVariant::fromValue(&settings)}});
    engine.load(QUrl(u"qrc:/qml/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;
    if (parser.isSet(shotsOption))
        takeScreenshots(engine, admin, parser.value(shotsOption));
    if (connectNow)
        admin.connectTo(url, token);
    return app.exec();
}

#include "main.moc"
