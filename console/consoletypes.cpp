#include "consoletypes.h"

#include "adminclient.h"
#include "playground.h"

#include <QtQml>

void registerConsoleTypes()
{
    const char *uri = "Cortado.Console";
    qmlRegisterUncreatableType<AdminClient>(uri, 1, 0, "AdminClient", QStringLiteral("created by the application"));
    qmlRegisterUncreatableType<SocketsModel>(uri, 1, 0, "SocketsModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<RoomsModel>(uri, 1, 0, "RoomsModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<NodesModel>(uri, 1, 0, "NodesModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<HistoryModel>(uri, 1, 0, "HistoryModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterUncreatableType<TrafficModel>(uri, 1, 0, "TrafficModel", QStringLiteral("owned by AdminClient"));
    qmlRegisterType<SocketsFilter>(uri, 1, 0, "SocketsFilter");
    qmlRegisterType<TrafficFilter>(uri, 1, 0, "TrafficFilter");
    qmlRegisterUncreatableType<Playground>(uri, 1, 0, "Playground", QStringLiteral("created by the application"));
    qmlRegisterUncreatableType<TestConnection>(uri, 1, 0, "TestConnection", QStringLiteral("made by Playground.open()"));
}
