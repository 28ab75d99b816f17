set -e
cd /opt/spark/current
SPARK_CONF_DIR=/opt/spark/current/conf
export SPARK_CONF_DIR
if [ -f "$SPARK_CONF_DIR/spark-env.sh" ] && sh -n "$SPARK_CONF_DIR/spark-env.sh" 2>/dev/null; then set -a; . "$SPARK_CONF_DIR/spark-env.sh"; set +a; export SPARK_ENV_LOADED=1; fi
if [ -z "${MESOS_NATIVE_JAVA_LIBRARY:-}" ]; then for f in /usr/lib/libmesos.so /usr/local/lib/libmesos.so /usr/lib64/libmesos.so /usr/lib/x86_64-linux-gnu/libmesos.so; do if [ -f "$f" ]; then MESOS_NATIVE_JAVA_LIBRARY=$f; break; fi; done; fi
export MESOS_NATIVE_JAVA_LIBRARY
SPARK_DAEMON_JAVA_OPTS="${SPARK_DAEMON_JAVA_OPTS:-} "'-Dspark.deploy.recoveryMode=ZOOKEEPER -Dspark.deploy.zookeeper.url=10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181 -Dspark.deploy.zookeeper.dir=/spark/mesos_dispatcher'
export SPARK_DAEMON_JAVA_OPTS
SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_IP
if [ -x sbin/start-mesos-dispatcher.sh ]; then SPARK_MESOS_DISPATCHER_HOST=127.0.0.1 SPARK_MESOS_DISPATCHER_PORT=7077 sbin/start-mesos-dispatcher.sh --webui-port 8081 --master mesos://zk://10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181/mesos --properties-file /opt/spark/.sparkctl/spark-daemon.conf
else sbin/spark-daemon.sh start org.apache.spark.deploy.mesos.MesosClusterDispatcher 1 --host 127.0.0.1 --port 7077 --webui-port 8081 --master mesos://zk://10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181/mesos --properties-file /opt/spark/.sparkctl/spark-daemon.conf
fi
