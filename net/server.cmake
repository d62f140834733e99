# The inbound HTTP server (demo MCP server now, the daemon's web UI later): the only Beast server TU.
add_library(mcpwatch_net_server STATIC ${CMAKE_CURRENT_LIST_DIR}/http_server.cpp)
target_link_libraries(mcpwatch_net_server PUBLIC mcpwatch_common)
mcpwatch_warnings(mcpwatch_net_server)
