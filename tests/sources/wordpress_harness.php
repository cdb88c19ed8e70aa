<?php
// Runs the LearnDash plugin outside WordPress: just enough of WordPress's functions, with a real
// HTTP POST for wp_remote_post, then fires the hook the way LearnDash does.
define('LAUREL_STANDALONE', true);
$args = json_decode(stream_get_contents(STDIN), true);

function add_action() {}
function add_filter() {}
function get_option($name) { global $args; return $args['options'][$name] ?? false; }
function get_user_meta($id, $key, $single) { global $args; return $args['meta'][$key] ?? ''; }
function home_url() { return 'https://school.example.org'; }
function wp_json_encode($value, $flags) { return json_encode($value, $flags); }
function is_wp_error($value) { return $value instanceof WP_Error; }
class WP_Error { public $message; function __construct($m) { $this->message = $m; } function get_error_message() { return $this->message; } }
function wp_remote_post($url, $request) {
    $headers = '';
    foreach ($request['headers'] as $name => $value) { $headers .= "$name: $value\r\n"; }
    $context = stream_context_create(array('http' => array(
        'method' => 'POST', 'header' => $headers, 'content' => $request['body'], 'ignore_errors' => true, 'timeout' => $request['timeout'],
    )));
    $body = @file_get_contents($url, false, $context);
    if ($body === false) { return new WP_Error('no answer from ' . $url); }
    return array('status' => $http_response_header[0], 'body' => $body);
}

require $args['plugin'];

$user = (object) array('ID' => 31, 'user_email' => $args['email'], 'display_name' => 'display name');
$course = (object) array('ID' => 812, 'post_title' => 'Safety 101');
$result = laurel_learndash_course_completed(array('user' => $user, 'course' => $course, 'progress' => array(), 'course_completed' => $args['completed']));
echo json_encode(is_wp_error($result) ? array('error' => $result->get_error_message()) : $result);
