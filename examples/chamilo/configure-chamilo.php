<?php
/*
 * Sets up Chamilo 1.11's shipped oauth2 and xapi plugins for the hub, from the environment.
 * Run inside the Chamilo container once the web installer has finished:
 *     docker compose exec -e CHAMILO_OIDC_CLIENT_ID=… -e CHAMILO_OIDC_CLIENT_SECRET=… \
 *         chamilo php /opt/hub/configure-chamilo.php
 * (compose.yaml sets the other variables; the client comes from `hub oidc-client add`).
 * Idempotent: every setting is an upsert of the same value, and install() runs only while the
 * plugin is not recorded as installed.
 */

if (PHP_SAPI !== 'cli') {
    exit(1);
}

$root = rtrim(getenv('CHAMILO_ROOT') ?: '/var/www/html', '/');
// Without a configuration.php, global.inc.php prints an HTML error page and exits with status 0.
if (!is_file("$root/app/config/configuration.php")) {
    fwrite(STDERR, "Chamilo is not installed yet: no $root/app/config/configuration.php\n");
    exit(1);
}

$env = [];
foreach (['HUB_URL', 'HUB_PUBLIC_URL', 'CHAMILO_OIDC_CLIENT_ID', 'CHAMILO_OIDC_CLIENT_SECRET',
          'HUB_XAPI_USERNAME', 'HUB_XAPI_PASSWORD'] as $name) {
    $env[$name] = (string) getenv($name);
    if ($env[$name] === '') {
        fwrite(STDERR, "$name is not set\n");
        exit(1);
    }
}
$hub = rtrim($env['HUB_URL'], '/').'/';              // Chamilo's own calls: token, userinfo, LRS
$hubPublic = rtrim($env['HUB_PUBLIC_URL'], '/').'/'; // where browsers are sent to sign in
$oidc = 'oauth2/';                                   // the hub's OpenID endpoints' prefix

// Bootstrapping writes app/cache and web/build files, which must stay the web server's.
if (function_exists('posix_getuid') && posix_getuid() === 0 && ($www = posix_getpwnam('www-data'))) {
    posix_setgid($www['gid']);
    posix_setuid($www['uid']);
}

// As plugin/xapi/cron/send_statements.php does; no $_SERVER values are needed in CLI.
require_once "$root/main/inc/global.inc.php";

// REST v2 (main/webservices/api/v2.php) is on unless configuration.php disables it.
if (api_get_configuration_value('disable_webservices')) {
    fwrite(STDERR, "app/config/configuration.php sets disable_webservices: the hub's REST calls would be refused\n");
    exit(1);
}

$urlId = (int) api_get_current_access_url_id();

// Stored as main/admin/configure_plugin.php stores a plugin's form: variable "{plugin}_{setting}",
// subkey the plugin, type 'setting', category 'Plugins'; booleans are the strings 'true'/'false'.
function hub_configure_plugin(string $name, array $settings, int $urlId): void
{
    foreach ($settings as $key => $value) {
        api_add_setting($value, $name.'_'.$key, $name, 'setting', 'Plugins', $name, '', '', '', $urlId, 1);
    }
}

// AppPlugin::install() minus its require of plugin/<name>/install.php: oauth2's exits unless a
// platform admin is logged in. The status row comes last so that a failed install() is retried.
function hub_install_plugin(string $name, Plugin $plugin, int $urlId): void
{
    if (in_array($name, (new AppPlugin())->getInstalledPlugins(), true)) {
        return;
    }
    $plugin->install();
    api_add_setting('installed', 'status', $name, 'setting', 'Plugins', $name, '', '', '', $urlId, 1);
}

$oauth2 = OAuth2::create();
hub_install_plugin('oauth2', $oauth2, $urlId); // creates the user extra field oauth2_id
// Settings by name rather than by the plugins' class constants: the names are stable across
// 1.11 releases, while some constants (the xapi cron ones) exist only in later ones; a setting
// an older plugin does not know is stored and ignored.
hub_configure_plugin('oauth2', [
    'enable' => 'true',
    'client_id' => $env['CHAMILO_OIDC_CLIENT_ID'],
    'client_secret' => $env['CHAMILO_OIDC_CLIENT_SECRET'],
    // oidc_login.php (third-party login) accepts an iss only if authorize_url starts with it.
    'authorize_url' => $hubPublic.$oidc.'authorize',
    'scopes' => 'openid profile email offline_access chamilo', // `chamilo`: the status claim below
    'access_token_url' => $hub.$oidc.'token',
    'access_token_method' => 'POST',
    'resource_owner_details_url' => $hub.$oidc.'userinfo',
    'response_resource_owner_id' => 'sub',
    'response_resource_owner_firstname' => 'given_name',
    'response_resource_owner_lastname' => 'family_name',
    'response_resource_owner_email' => 'email',
    'response_resource_owner_username' => 'email',
    // The claim carries Chamilo's own codes: 1 course manager, 5 student (chamilo-oauth2.md).
    'response_resource_owner_status' => 'chamilo_status',
    'response_resource_owner_teacher_status' => '1',
    'response_resource_owner_student_status' => '5',
    'create_new_users' => 'true',
    'update_user_info' => 'true',
    'allow_third_party_login' => 'true',
    // Signing out of Chamilo signs out of the hub too (and back to Chamilo's home).
    'logout_url' => $hubPublic.$oidc.'logout',
    'skip_force_redirect_in' => '/main/webservices,/plugin/oauth2',
], $urlId);
// The "sign in through the hub" block on Chamilo's login page.
(new AppPlugin())->add_to_region('oauth2', 'login_bottom');

$xapi = XApiPlugin::create();
hub_install_plugin('xapi', $xapi, $urlId); // creates the xapi_* tables, once
$lrs = $hub.'xapi/'; // the client trims the slash and appends "statements"
hub_configure_plugin('xapi', [
    'lrs_url' => $lrs,
    'lrs_auth_username' => $env['HUB_XAPI_USERNAME'],
    'lrs_auth_password' => $env['HUB_XAPI_PASSWORD'],
    'cron_lrs_url' => $lrs,
    'cron_lrs_auth_username' => $env['HUB_XAPI_USERNAME'],
    'cron_lrs_auth_password' => $env['HUB_XAPI_PASSWORD'],
    'lrs_lp_end_active' => 'true',
    // The plugin swaps its two quiz settings: this one attaches the quiz-end hook.
    'lrs_quiz_question_active' => 'true',
], $urlId);
// Plugin::get() answers from settings it cached before the writes above: reload them, then
// attach (or detach) each hook from its setting, as configure_plugin.php does after a save.
$xapi->get_settings(true);
$xapi->performActionsAfterConfigure();

echo "Chamilo: oauth2 and xapi plugins configured\n";
