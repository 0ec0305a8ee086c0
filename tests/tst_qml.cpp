// Qt Quick Test for the console's pages: the QML under tests/qml/, run offscreen, with a real
// AdminClient fed canned admin messages (the C++ side is set up here).
#include "adminclient.h"
#include "consoletypes.h"
#include "playground.h"

#include <QApplication>
#include <QFile>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQuickTest>

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

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->rootContext()->setContextProperty(QStringLiteral("adminClient"), &m_admin);
        engine->rootContext()->setContextProperty(QStringLiteral("playgroundObject"), &m_playground);
        engine->rootContext()->setContextProperty(QStringLiteral("qmlViews"), QStringLiteral(CORTADO_QML_DIR));
        engine->rootContext()->setContextProperty(QStringLiteral("testFiles"), &m_files);
    }

private:
    AdminClient m_admin;
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
