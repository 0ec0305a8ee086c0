// Qt Quick Test for the console's pages: the QML under tests/qml/, run offscreen, with a real
// AdminClient fed canned admin messages (the C++ side is set up here).
#include "adminclient.h"
#include "consoletypes.h"
#include "playground.h"

#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQuickTest>

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        registerConsoleTypes();
        engine->rootContext()->setContextProperty(QStringLiteral("adminClient"), &m_admin);
        engine->rootContext()->setContextProperty(QStringLiteral("playgroundObject"), &m_playground);
        engine->rootContext()->setContextProperty(QStringLiteral("qmlViews"), QStringLiteral(CORTADO_QML_DIR));
    }

private:
    AdminClient m_admin;
    QTemporaryDir m_settings;
    Playground m_playground{m_settings.filePath(QStringLiteral("console.ini")), &m_admin};
};

QUICK_TEST_MAIN_WITH_SETUP(tst_qml, Setup)
#include "tst_qml.moc"
