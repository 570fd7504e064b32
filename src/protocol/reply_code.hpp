// Named reply codes (RFC 959 §4.2.2, RFC 2228, RFC 2428, RFC 3659).
#pragma once

namespace portico::protocol::code {

inline constexpr int restart_marker = 110;
inline constexpr int service_ready_soon = 120;
inline constexpr int transfer_starting = 125;
inline constexpr int opening_data = 150;

inline constexpr int ok = 200;
inline constexpr int superfluous = 202;
inline constexpr int system_status = 211;
inline constexpr int directory_status = 212;
inline constexpr int file_status = 213;
inline constexpr int help = 214;
inline constexpr int system_type = 215;
inline constexpr int service_ready = 220;
inline constexpr int closing_control = 221;
inline constexpr int data_open_no_transfer = 225;
inline constexpr int closing_data = 226;
inline constexpr int entering_passive = 227;
inline constexpr int entering_extended_passive = 229;
inline constexpr int logged_in = 230;
inline constexpr int file_action_ok = 250;
inline constexpr int path_created = 257;

inline constexpr int need_password = 331;
inline constexpr int need_account = 332;
inline constexpr int pending_further_info = 350;

inline constexpr int service_unavailable = 421;
inline constexpr int cannot_open_data = 425;
inline constexpr int transfer_aborted = 426;
inline constexpr int file_busy = 450;
inline constexpr int local_error = 451;
inline constexpr int insufficient_storage = 452;

inline constexpr int syntax_error = 500;
inline constexpr int syntax_error_args = 501;
inline constexpr int not_implemented = 502;
inline constexpr int bad_sequence = 503;
inline constexpr int not_implemented_param = 504;
inline constexpr int network_protocol_not_supported = 522;
inline constexpr int not_logged_in = 530;
inline constexpr int file_unavailable = 550;
inline constexpr int page_type_unknown = 551;
inline constexpr int exceeded_storage = 552;
inline constexpr int bad_file_name = 553;
inline constexpr int invalid_rest = 554;

}  // namespace portico::protocol::code
