// The console window: a tab per page, the connection state always visible.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "pages"

ApplicationWindow {
    id: window
    required property var admin
    required property var playground
    required property var settings
    property alias currentPage: tabs.currentIndex

    width: 1280
    height: 800
    visible: true
    title: "Cortado console — " + admin.stateText

    // Selections and a playground client, so that every page shows something (tst_screenshots
    // calls it once traffic has arrived).
    function showSampleSelections() {
        socketsPage.selectFirst()
        roomsPage.selectFirst()
        trafficPage.selectFirst()
        playgroundPage.openDemo()
    }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            TabBar {
                id: tabs
                Layout.fillWidth: true
                Repeater {
                    model: ["Connect", "Overview", "Nodes", "Sockets", "Rooms and presence", "Traffic", "Playground"]
                    TabButton { text: modelData; width: implicitWidth + 24 }
                }
            }
            Label {
                visible: admin.clusterMode && !admin.redisUp
                text: "Redis unreachable"
                color: "#b33"
                font.bold: true
            }
            Rectangle {
                width: 12; height: 12; radius: 6
                color: admin.state === 2 ? "#2e9d4f" : admin.state === 0 ? "#b33" : "#d89a1c"
            }
            Label {
                text: admin.stateText + (admin.role ? " as " + admin.role : "")
                Layout.rightMargin: 12
            }
        }
    }

    StackLayout {
        anchors.fill: parent
        anchors.margins: 12
        currentIndex: tabs.currentIndex
        ConnectPage { admin: window.admin; settings: window.settings }
        OverviewPage { admin: window.admin }
        NodesPage { admin: window.admin }
        SocketsPage { id: socketsPage; admin: window.admin }
        RoomsPage { id: roomsPage; admin: window.admin }
        TrafficPage { id: trafficPage; admin: window.admin }
        PlaygroundPage { id: playgroundPage; admin: window.admin; playground: window.playground; settings: window.settings }
    }

    footer: Label {
        id: toast
        padding: 6
        text: ""
        Connections {
            target: admin
            function onActionDone(action, ok, message) { toast.text = action + ": " + (ok ? "done" : message) }
        }
    }
}
