/** The admin HTTP API: health and metrics now; approvals, sessions, audit and policy later. */
package dev.warden.admin;
