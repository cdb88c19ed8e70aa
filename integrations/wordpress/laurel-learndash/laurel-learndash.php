<?php
/**
 * Plugin Name: Laurel for LearnDash
 * Description: Sends each LearnDash course completion to Laurel, signed with Standard Webhooks.
 * Version: 1.0.0
 * License: Apache-2.0
 *
 * Settings → Laurel: the source's intake URL and its whsec_… secret (from Laurel's admin or
 * `manage.py source_add --dialect learndash`). The body is Laurel's generic dialect.
 */

if (!defined('ABSPATH') && !defined('LAUREL_STANDALONE')) {
    exit; // loaded by WordPress, or by Laurel's own tests
}

/** The `v1,<base64>` Standard Webhooks signature of id.timestamp.body with a whsec_ secret. */
function laurel_learndash_signature($secret, $message_id, $timestamp, $body) {
    $key = base64_decode(preg_replace('/^whsec_/', '', $secret));
    $digest = hash_hmac('sha256', $message_id . '.' . $timestamp . '.' . $body, $key, true);
    return 'v1,' . base64_encode($digest);
}

/** The generic dialect's course.completed event for the hook's data (user, course, progress). */
function laurel_learndash_payload($data, $now) {
    $user = $data['user'];
    $course = $data['course'];
    $completed = isset($data['course_completed']) ? intval($data['course_completed']) : $now;
    $first = get_user_meta($user->ID, 'first_name', true);
    $last = get_user_meta($user->ID, 'last_name', true);
    $name = trim($first . ' ' . $last);
    return array(
        'type' => 'course.completed',
        'timestamp' => gmdate('Y-m-d\TH:i:s\Z', $now),
        'data' => array(
            'learner' => array(
                'id' => (string) $user->ID,
                'email' => $user->user_email,
                'name' => $name !== '' ? $name : $user->display_name,
            ),
            'course' => array('id' => (string) $course->ID, 'title' => $course->post_title),
            'completed_at' => gmdate('Y-m-d\TH:i:s\Z', $completed),
            'extra' => array('site' => home_url()),
        ),
    );
}

/** Hooked to learndash_course_completed: sign and post. A failure is logged, never shown to the learner. */
function laurel_learndash_course_completed($data) {
    $url = get_option('laurel_intake_url');
    $secret = get_option('laurel_secret');
    if (!$url || !$secret || empty($data['user']) || empty($data['course'])) {
        return null;
    }
    $now = time();
    $payload = laurel_learndash_payload($data, $now);
    $body = wp_json_encode($payload, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    // Stable for this completion, so a resend is one event in Laurel; no '.' allowed in the id.
    $message_id = 'learndash-' . $data['user']->ID . '-' . $data['course']->ID . '-' . strtotime($payload['data']['completed_at']);
    $response = wp_remote_post($url, array(
        'timeout' => 15,
        'headers' => array(
            'Content-Type' => 'application/json',
            'webhook-id' => $message_id,
            'webhook-timestamp' => (string) $now,
            'webhook-signature' => laurel_learndash_signature($secret, $message_id, (string) $now, $body),
        ),
        'body' => $body,
    ));
    if (is_wp_error($response)) {
        error_log('Laurel: completion not sent: ' . $response->get_error_message());
    }
    return $response;
}

function laurel_learndash_settings() {
    register_setting('laurel', 'laurel_intake_url', array('type' => 'string', 'sanitize_callback' => 'esc_url_raw'));
    register_setting('laurel', 'laurel_secret', array('type' => 'string', 'sanitize_callback' => 'sanitize_text_field'));
}

function laurel_learndash_settings_page() {
    echo '<div class="wrap"><h1>Laurel</h1><form method="post" action="options.php">';
    settings_fields('laurel');
    echo '<p><label>Intake URL<br><input type="url" class="regular-text" name="laurel_intake_url" value="'
        . esc_attr(get_option('laurel_intake_url')) . '"></label></p>';
    // The secret is never echoed back; an empty field keeps the saved one.
    echo '<p><label>Secret (whsec_…)<br><input type="password" class="regular-text" name="laurel_secret" value="" autocomplete="off"></label></p>';
    submit_button();
    echo '</form></div>';
}

function laurel_learndash_keep_secret($new, $old) {
    return $new === '' ? $old : $new;
}

if (function_exists('add_action')) {
    add_action('learndash_course_completed', 'laurel_learndash_course_completed', 10, 1);
    add_action('admin_init', 'laurel_learndash_settings');
    add_action('admin_menu', function () {
        add_options_page('Laurel', 'Laurel', 'manage_options', 'laurel', 'laurel_learndash_settings_page');
    });
    add_filter('pre_update_option_laurel_secret', 'laurel_learndash_keep_secret', 10, 2);
}
