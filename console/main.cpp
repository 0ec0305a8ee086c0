// cortado-console: the admin console. Composition only: models and views live in the libraries.
#include "adminclient.h"
#include "consolesettings.h"
#include "consoletypes.h"
#include "playground.h"
#include "tokenstore.h"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

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
    parser.addOptions({urlOption, tokenOption});
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
    Playground playground(store.settingsPath(), &admin);
    ConsoleSettings settings(store, url, token);

    QQmlApplicationEngine engine;
    engine.setInitialProperties({{u"admin"_s, QVariant::fromValue(&admin)},
                                 {u"playground"_s, QVariant::fromValue(&playground)},
                                 {u"settings"_s, QVariant::fromValue(&settings)}});
    engine.load(QUrl(u"qrc:/qml/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;
    if (connectNow)
        admin.connectTo(url, token);
    return app.exec();
}
