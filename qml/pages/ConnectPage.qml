// Where a session starts: pick a saved server (its token comes from the system keychain) or type
// one, connect, and optionally save it.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import "../components"

ColumnLayout {
    id: page
    required property var admin
    required property var settings
    readonly property bool saved: page.settings.servers.some(server => server.url === url.text.trim())
    function focusFilter() { url.forceActiveFocus() }
    spacing: 12

    Label { text: "Connect to a Cortado server"; font.pixelSize: 22; font.weight: Font.Medium }
    Label {
        text: "The console connects to the server's admin channel (/_admin) with a token that has the admin or observer role.\nGet one with:  cortado-server token --user you --role admin"
        opacity: 0.7
    }
    GridLayout {
        columns: 2
        columnSpacing: 12
        Label { text: "Saved servers" }
        ComboBox {
            id: savedServers
            objectName: "savedServers"
            Layout.preferredWidth: 420
            model: page.settings.servers
            textRole: "name"
            enabled: count > 0
            displayText: count === 0 ? "None yet: connect to one and save it" : currentIndex < 0 ? "Pick a server" : currentText
            currentIndex: -1
            onActivated: index => {
                const server = page.settings.servers[index]
                url.text = server.url
                name.text = server.name === server.url ? "" : server.name
                token.text = ""
                page.settings.loadToken(server.url)
            }
        }
        Label { text: "Server URL" }
        TextField { id: url; objectName: "serverUrl"; text: page.settings.url; Layout.preferredWidth: 420; placeholderText: "ws://127.0.0.1:8080" }
        Label { text: "Name" }
        TextField { id: name; Layout.preferredWidth: 420; placeholderText: "optional, e.g. staging" }
        Label { text: "Token" }
        TextField { id: token; objectName: "token"; text: page.settings.token; echoMode: TextInput.Password; Layout.preferredWidth: 420 }
        Item { width: 1 }
        CheckBox { id: remember; text: "Save this server, and its token in the system keychain"; checked: true }
    }
    RowLayout {
        Button {
            text: "Connect"
            highlighted: true
            enabled: url.text.trim().length > 0
            onClicked: {
                if (remember.checked) page.settings.remember(url.text, token.text, name.text)
                page.admin.connectTo(url.text, token.text)
            }
        }
        Button { text: "Disconnect"; enabled: page.admin.state !== 0; onClicked: page.admin.disconnectFrom() }
        Button {
            text: "Forget this server"
            enabled: page.saved
            onClicked: { page.settings.forget(url.text.trim()); token.text = "" }
        }
    }
    Label {
        objectName: "keychainStatus"
        text: page.settings.keychainStatus
        visible: text.length > 0
        opacity: 0.75
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
    RowLayout {
        StatusDot { status: page.admin.state === 2 ? "ok" : page.admin.state === 0 ? "error" : "warning" }
        Label { text: page.admin.stateText + (page.admin.url ? "  (" + page.admin.url + ")" : ""); font.pixelSize: 16 }
    }
    Label { text: page.admin.error; color: Material.color(Material.Red); visible: text.length > 0; wrapMode: Text.Wrap; Layout.fillWidth: true }
    Connections {
        target: page.settings
        function onTokenLoaded(server, stored) { if (server === url.text.trim() && stored) token.text = stored }
    }
    Item { Layout.fillHeight: true }
}
