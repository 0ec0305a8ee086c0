#include "consoletypes.h"

#include "adminclient.h"
#include "jsontreemodel.h"
#include "playground.h"

#include <QQuickStyle>
#include <QtQml>

void registerConsoleTypes()
{
    // One designed look everywhere the console's views load (the app, tst_qml, tst_screenshots):
    // Material, light or dark as the settings say. QT_QUICK_CONTROLS_STYLE still overrides it.
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Material"));
    const char *uri = "Cortado.Console";
    qmlRegisterUncreatableType<AdminClient>(uri, 1, 0, "AdminClient", QStringLiteral("created by the application"));
    qmlRegisterUncreatableType<SocketsModel>(uri, 1, 0, "SocketsModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<RoomsModel>(uri, 1, 0, "RoomsModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<NodesModel>(uri, 1, 0, "NodesModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<MetricsHistory>(uri, 1, 0, "MetricsHistory", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<AlertsModel>(uri, 1, 0, "AlertsModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<HistoryModel>(uri, 1, 0, "HistoryModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<TrafficModel>(uri, 1, 0, "TrafficModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterType<SocketsFilter>(uri, 1, 0, "SocketsFilter");
    qmlRegisterType<TrafficFilter>(uri, 1, 0, "TrafficFilter");
    qmlRegisterType<JsonTreeModel>(uri, 1, 0, "JsonTreeModel");
    qmlRegisterUncreatableType<Playground>(uri, 1, 0, "Playground", QStringLiteral("created by the application"));
    qmlRegisterUncreatableType<TestConnection>(uri, 1, 0, "TestConnection", QStringLiteral("made by Playground.open()"));
}
