// cortado-console: the admin console. Composition only: models and views live in the libraries.
#include "adminclient.h"
#include "consolesettings.h"
#include "consoletypes.h"
#include "playground.h"
#include "tokenstore.h"

#include <QCommandLineParser>
#include <QApplication>
#include <QQmlApplicationEngine>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv); // Qt Charts' QML types need QApplication
    QApplication::setApplicationName(u"cortado-console"_s);
    QApplication::setOrganizationName(u"cortado"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Cortado admin console"_s);
    parser.addHelpOption();
    const QCommandLineOption urlOption(u"url"_s, u"Server, e.g. ws://127.0.0.1:8080 (CORTADO_CONSOLE_URL)."_s, u"url"_s);
    const QCommandLineOption tokenOption(u"token"_s, u"Admin token (CORTADO_CONSOLE_TOKEN)."_s, u"token"_s);
    parser.addOptions({urlOption, tokenOption});
    parser.process(app);

    TokenStore store(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation));
    const QString url = parser.isSet(urlOption) ? parser.value(urlOption) : qEnvironmentVariable("CORTADO_CONSOLE_URL");
    const QString token = parser.isSet(tokenOption) ? parser.value(tokenOption) : qEnvironmentVariable("CORTADO_CONSOLE_TOKEN");

    registerConsoleTypes();
    AdminClient admin;
    Playground playground(store.settingsPath(), &admin);
    ConsoleSettings settings(store, url, token);

    QQmlApplicationEngine engine;
    engine.setInitialProperties({{u"admin"_s, QVariant::fromValue(&admin)},
                                 {u"playground"_s, QVariant::fromValue(&playground)},
                                 {u"settings"_s, QVariant::fromValue(&settings)}});
    engine.load(QUrl(u"qrc:/qml/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;
    // A server on the command line: connect now, with its token from the keychain when none was given.
    if (!url.isEmpty() && !token.isEmpty()) {
        admin.connectTo(url, token);
    } else if (!settings.url().isEmpty()) {
        QObject::connect(&settings, &ConsoleSettings::tokenLoaded, &admin,
                         [&admin, &settings, connectNow = !url.isEmpty()](const QString &server, const QString &stored) {
                             if (connectNow && server == settings.url() && admin.state() == AdminClient::Disconnected)
                                 admin.connectTo(server, stored);
                         }, Qt::SingleShotConnection);
        settings.loadToken(settings.url()); // fills the connect page (or connects, above)
    }
    return app.exec();
}
