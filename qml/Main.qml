// The console window: navigation on the left (Ctrl+1…7), the page's title and the connection's
// state on top, the page in the middle, what the last action did at the bottom. One Material
// look, light or dark as the operator chooses (or as the system says).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import "components"
import "pages"

ApplicationWindow {
    id: window
    required property var admin
    required property var playground
    required property var settings
    property alias currentPage: stack.currentIndex
    readonly property var pageNames: ["Connect", "Overview", "Nodes", "Sockets", "Rooms", "Traffic", "Playground"]
    readonly property string connectionStatus: admin.state === 2 ? (admin.clusterMode && !admin.redisUp ? "warning" : "ok")
                                             : admin.state === 0 ? "error" : "warning"

    width: 1280
    height: 800
    visible: true
    title: "Cortado console — " + admin.stateText
    Material.theme: settings.theme === "dark" ? Material.Dark : settings.theme === "light" ? Material.Light : Material.System
    Material.primary: Material.BlueGrey
    Material.accent: Material.Teal

    // Selections and a playground client, so that every page shows something (tst_screenshots
    // calls it once traffic has arrived).
    function showSampleSelections() {
        socketsPage.selectFirst()
        roomsPage.selectFirst()
        trafficPage.selectFirst()
        playgroundPage.openDemo()
    }
    function showPage(index) {
        stack.currentIndex = index
        stack.children[index].forceActiveFocus()
    }

    // Keyboard: pages, the current page's filter field, pausing the traffic, the theme.
    Repeater {
        model: window.pageNames.length
        Item {
            Shortcut { sequence: "Ctrl+" + (index + 1); onActivated: window.showPage(index) }
        }
    }
    Shortcut {
        sequence: StandardKey.Find
        onActivated: { const page = stack.children[stack.currentIndex]; if (page.focusFilter) page.focusFilter() }
    }
    Shortcut { sequence: "Ctrl+P"; onActivated: window.admin.traffic.paused = !window.admin.traffic.paused }
    Shortcut { sequence: "Ctrl+Shift+L"; onActivated: window.settings.theme = (window.settings.theme === "dark" ? "light" : "dark") }

    header: ToolBar {
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 16
            anchors.rightMargin: 8
            spacing: 12
            Label { text: "Cortado"; font.pixelSize: 18; font.weight: Font.DemiBold }
            Label {
                objectName: "pageTitle"
                text: window.pageNames[stack.currentIndex]
                font.pixelSize: 18
                opacity: 0.85
                Layout.fillWidth: true
            }
            Label {
                visible: window.admin.clusterMode && !window.admin.redisUp
                text: "Redis unreachable"
                font.bold: true
            }
            ToolButton {
                objectName: "alertsButton"
                visible: window.admin.alerts.count > 0
                text: window.admin.alerts.count + (window.admin.alerts.count === 1 ? " alert" : " alerts")
                icon.color: "transparent"
                onClicked: window.showPage(1)
                ToolTip.visible: hovered
                ToolTip.text: "Open the Overview's alerts"
            }
            Rectangle {
                objectName: "connectionState"
                radius: height / 2
                implicitHeight: 28
                implicitWidth: stateRow.implicitWidth + 20
                color: Qt.rgba(1, 1, 1, 0.12)
                RowLayout {
                    id: stateRow
                    anchors.centerIn: parent
                    StatusDot { status: window.connectionStatus }
                    Label { text: window.admin.stateText + (window.admin.role ? " as " + window.admin.role : "") }
                }
            }
            ToolButton {
                objectName: "themeButton"
                text: "Theme: " + (window.settings.theme === "dark" ? "dark" : window.settings.theme === "light" ? "light" : "system")
                font.capitalization: Font.MixedCase
                onClicked: themeMenu.open()
                ToolTip.visible: hovered
                ToolTip.text: "Theme (Ctrl+Shift+L toggles light and dark)"
                Menu {
                    id: themeMenu
                    y: parent.height
                    Repeater {
                        model: [["system", "Follow the system"], ["light", "Light"], ["dark", "Dark"]]
                        MenuItem {
                            text: modelData[1]
                            checkable: true
                            checked: window.settings.theme === modelData[0]
                            onTriggered: window.settings.theme = modelData[0]
                        }
                    }
                }
            }
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        Pane {
            Layout.fillHeight: true
            Layout.preferredWidth: 170
            padding: 0
            Material.elevation: 2
            ListView {
                id: navigation
                objectName: "navigation"
                anchors.fill: parent
                anchors.topMargin: 8
                model: window.pageNames
                currentIndex: stack.currentIndex
                keyNavigationEnabled: true
                activeFocusOnTab: true
                delegate: ItemDelegate {
                    width: navigation.width
                    highlighted: ListView.isCurrentItem
                    onClicked: window.showPage(index)
                    contentItem: RowLayout {
                        Label { text: modelData; Layout.fillWidth: true; font.weight: highlighted ? Font.DemiBold : Font.Normal }
                        Label { text: "Ctrl+" + (index + 1); opacity: 0.45; font.pixelSize: 11 }
                    }
                }
                Keys.onReturnPressed: window.showPage(currentIndex)
                Keys.onSpacePressed: window.showPage(currentIndex)
            }
        }

        StackLayout {
            id: stack
            Layout.fillWidth: true
            Layout.fillHeight: true
            // The window decides the page's size, not the widest page's implicit width.
            Layout.minimumWidth: 320
            Layout.preferredWidth: 320
            Layout.margins: 16
            currentIndex: 0
            ConnectPage { admin: window.admin; settings: window.settings }
            OverviewPage { objectName: "overviewPage"; admin: window.admin }
            NodesPage { admin: window.admin }
            SocketsPage { id: socketsPage; admin: window.admin }
            RoomsPage { id: roomsPage; admin: window.admin }
            TrafficPage { id: trafficPage; admin: window.admin }
            PlaygroundPage { id: playgroundPage; admin: window.admin; playground: window.playground; settings: window.settings }
        }
    }

    // Connected for the first time: from the Connect page to the Overview.
    Connections {
        target: window.admin
        property bool first: true
        function onSnapshotApplied() {
            if (first && stack.currentIndex === 0) stack.currentIndex = 1
            first = false
        }
    }

    // What the operator's last action did, in words; errors stay until the next action.
    footer: Pane {
        padding: 6
        leftPadding: 16
        Material.elevation: 4
        RowLayout {
            anchors.fill: parent
            StatusDot { id: toastDot; visible: toast.text.length > 0 }
            Label {
                id: toast
                objectName: "toast"
                Layout.fillWidth: true
                elide: Text.ElideRight
                text: ""
            }
            Label {
                text: window.admin.url ? window.admin.url : "Not connected: open Connect (Ctrl+1)"
                opacity: 0.6
            }
        }
        Timer { id: toastTimer; interval: 6000; onTriggered: toast.text = "" }
        Connections {
            target: window.admin
            function onActionDone(action, ok, message) {
                const done = {
                    tap: "Traffic filter applied on the server",
                    disconnect: "Socket disconnected",
                    join: "Socket added to the room",
                    leave: "Socket removed from the room",
                    emit: "Event sent",
                    sockets: "Socket list refreshed"
                }
                toast.text = ok ? (done[action] ?? action + ": done") : "Could not " + action + ": " + message
                toastDot.status = ok ? "ok" : "error"
                if (ok) toastTimer.restart(); else toastTimer.stop()
            }
        }
    }
}
