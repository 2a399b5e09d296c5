/** SQL analysis behind one interface; each dialect's analyzer lives in its own module. */
package dev.warden.core.sql;
