/** Configuration of the speculation policies, shared by the services that plan or run them. */
package dev.specula.service.policy;
